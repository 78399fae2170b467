using Microsoft.Extensions.Logging;

namespace QuayBuilder.Hosting;

/// <summary>
/// Writes the worker's own log events, one line each, to one writer (stderr in production).
/// </summary>
/// <remarks>
/// Writes are synchronous and serialized: the worker logs little (build output goes to the
/// manager, not here), and a line written before a crash or exit must not sit in a queue.
/// </remarks>
internal sealed class WorkerLoggerProvider : ILoggerProvider
{
    private readonly WorkerLogLineFormatter _formatter;
    private readonly TextWriter _writer;
    private readonly TimeProvider _time;
    private readonly Lock _gate = new();

    public WorkerLoggerProvider(WorkerLogLineFormatter formatter, TextWriter writer, TimeProvider timeProvider)
    {
        ArgumentNullException.ThrowIfNull(formatter);
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(timeProvider);
        _formatter = formatter;
        _writer = writer;
        _time = timeProvider;
    }

    public ILogger CreateLogger(string categoryName) => new WorkerLogger(this);

    public void Dispose()
    {
        lock (_gate)
        {
            _writer.Flush();
        }
    }

    internal void Write(LogLevel level, string message, Exception? exception)
    {
        var line = _formatter.Format(level, message, exception, _time.GetUtcNow());
        lock (_gate)
        {
            try
            {
                _writer.Write(line + "\n");
                _writer.Flush();
            }
            catch (IOException)
            {
                // stderr closed (journald restarted, pipe gone): losing our own log must not end the build.
            }
        }
    }
}
