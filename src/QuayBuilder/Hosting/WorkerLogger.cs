using Microsoft.Extensions.Logging;

namespace QuayBuilder.Hosting;

/// <summary>One category's logger; everything goes to the shared <see cref="WorkerLoggerProvider"/>.</summary>
/// <remarks>Level filtering is the factory's job (its LoggerFilterOptions); this logger writes what reaches it.</remarks>
internal sealed class WorkerLogger(WorkerLoggerProvider provider) : ILogger
{
    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        ArgumentNullException.ThrowIfNull(formatter);
        if (!IsEnabled(logLevel))
        {
            return;
        }

        provider.Write(logLevel, formatter(state, exception), exception);
    }
}
