using Microsoft.Extensions.Logging.Abstractions;
using QuayBuilder.Build;
using QuayBuilder.Manager;
using QuayBuilder.Protocol;

namespace QuayBuilder.Tests.Manager;

/// <summary>
/// The worker's own <see cref="BuildLogStream"/> behind a public face, so bench/WorkerBench (which
/// sees only the test project's public types) measures exactly the code the worker runs.
/// </summary>
public sealed class LogStreamDriver : IAsyncDisposable
{
    private readonly BuildLogStream _stream;

    public LogStreamDriver(BuildManager.BuildManagerClient client, string jobToken, int window, Action<string> jobGone)
    {
        _stream = new BuildLogStream(client, jobToken, window, jobGone, NullLogger.Instance);
        _stream.Start();
    }

    public long Rejected => _stream.Rejected;

    public int StreamsOpened => _stream.StreamsOpened;

    /// <summary>Queues one build-output line, as the worker does for each line a RUN prints.</summary>
    public void EnqueueStream(string text, string phase) => _stream.Enqueue(BuildLogMessage.Stream(text), phase);

    public Task<bool> FlushAsync(CancellationToken cancellationToken) => _stream.FlushAsync(cancellationToken);

    public ValueTask DisposeAsync() => _stream.DisposeAsync();
}
