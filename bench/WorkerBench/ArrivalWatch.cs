using QuayBuilder.Tests.Fakes;

namespace QuayBuilder.WorkerBench;

/// <summary>
/// Timestamps, by polling the fake manager's record every millisecond, when the marker line (the
/// RUN's last) arrived. The fake keeps no arrival times itself; a 1 ms
/// poll is far finer than the 1 s the figure is judged against.
/// </summary>
internal sealed class ArrivalWatch : IDisposable
{
    private readonly FakeBuildManager _manager;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;

    public ArrivalWatch(FakeBuildManager manager)
    {
        _manager = manager;
        _loop = Task.Run(PollAsync);
    }

    public DateTime? MarkerUtc { get; private set; }

    public void Stop()
    {
        _stop.Cancel();
        _loop.Wait();
    }

    public void Dispose()
    {
        if (!_stop.IsCancellationRequested)
        {
            Stop();
        }

        _stop.Dispose();
    }

    private async Task PollAsync()
    {
        int seen = 0;
        while (!_stop.IsCancellationRequested && MarkerUtc is null)
        {
            var lines = _manager.LogLines;
            var now = DateTime.UtcNow;
            for (; seen < lines.Count; seen++)
            {
                var text = lines[seen].Text;
                if (text.StartsWith("last-line-printed-at ", StringComparison.Ordinal))
                {
                    MarkerUtc = now;
                }
            }

            try
            {
                await Task.Delay(1, _stop.Token);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }
}
