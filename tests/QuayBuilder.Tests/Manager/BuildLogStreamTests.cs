using System.Diagnostics;
using QuayBuilder.Build;

namespace QuayBuilder.Tests.Manager;

public sealed class BuildLogStreamTests
{
    [Fact]
    public async Task Lines_WhenManagerAnswersSlowly_ArriveInOrderWithoutALockStepRoundTrip()
    {
        await using var context = await ManagerTestContext.StartAsync();
        context.Manager.LogLatency = TimeSpan.FromMilliseconds(50);
        await using var log = context.OpenLog(window: 128);

        const int lines = 400;
        var watch = Stopwatch.StartNew();
        for (int i = 0; i < lines; i++)
        {
            log.Enqueue(BuildLogMessage.Stream($"line {i}"), "building");
        }

        await log.FlushAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(30));
        watch.Stop();

        var received = context.Manager.LogLines;
        Assert.Equal(Enumerable.Range(0, lines).Select(i => $"line {i}\n"), received.Select(l => l.Text));
        Assert.Empty(context.Manager.Violations);
        Assert.Equal(0, log.Rejected);

        // Lock-step would need lines × 50 ms = 20 s; a window of 128 needs about 4 round trips.
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(5), $"400 lines took {watch.Elapsed.TotalSeconds:0.0} s");
    }

    [Fact]
    public async Task Lines_WhenTheStreamBreaks_AreSentAgainOnANewStreamAndNoneIsLost()
    {
        await using var context = await ManagerTestContext.StartAsync();
        context.Manager.BreakLogStreamAfter = 60;
        context.Manager.LogStreamBreaks = 2;
        await using var log = context.OpenLog(window: 16);

        const int lines = 300;
        for (int i = 0; i < lines; i++)
        {
            log.Enqueue(BuildLogMessage.Stream($"line {i}"), "building");
        }

        await log.FlushAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(30));

        Assert.True(context.Manager.LogStreamsOpened >= 3, $"streams opened: {context.Manager.LogStreamsOpened}");
        Assert.Empty(context.Manager.Violations);
        var texts = context.Manager.LogLines.Select(l => l.Text).ToList();

        // Every line arrived; first arrivals are in order (a line whose answer was lost may repeat).
        var firstArrivals = texts.Distinct().ToList();
        Assert.Equal(Enumerable.Range(0, lines).Select(i => $"line {i}\n"), firstArrivals);
    }

    [Fact]
    public async Task Lines_WhenWrittenFromManyThreads_KeepStrictlyIncreasingSequenceNumbers()
    {
        await using var context = await ManagerTestContext.StartAsync();
        await using var log = context.OpenLog(window: 8);

        await Task.WhenAll(Enumerable.Range(0, 4).Select(t => Task.Run(() =>
        {
            for (int i = 0; i < 100; i++)
            {
                log.Enqueue(BuildLogMessage.Stream($"t{t} {i}"), "building");
            }
        })));
        await log.FlushAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(30));

        var sequences = context.Manager.LogLines.Select(l => l.Sequence).ToList();
        Assert.Equal(400, sequences.Count);
        Assert.Equal(sequences.Order(), sequences);
        Assert.Empty(context.Manager.Violations);
        for (int t = 0; t < 4; t++)
        {
            var own = context.Manager.LogLines.Where(l => l.Text.StartsWith($"t{t} ", StringComparison.Ordinal)).Select(l => l.Text).ToList();
            Assert.Equal(Enumerable.Range(0, 100).Select(i => $"t{t} {i}\n"), own);
        }
    }
}
