using Microsoft.Extensions.Logging;
using QuayBuilder.Logging;

namespace QuayBuilder.Hosting;

/// <summary>
/// Builds the worker's logger factory: one line per event, the build UUID on every line, secrets
/// masked; journald priority prefixes under systemd, a UTC timestamp and level otherwise.
/// </summary>
internal static class WorkerLogging
{
    /// <summary>Logs to stderr, choosing the format from the process's systemd environment.</summary>
    /// <param name="debug">DEBUG=true: Debug level and stack traces; otherwise Information.</param>
    /// <param name="buildUuid">BUILD_UUID, when known; prefixes every line as "[uuid] ".</param>
    /// <param name="masker">Every line passes through it.</param>
    public static ILoggerFactory Create(bool debug, string? buildUuid, SecretMasker masker) =>
        Create(debug, buildUuid, masker, SystemdEnvironment.FromProcess(), Console.Error, TimeProvider.System);

    internal static ILoggerFactory Create(
        bool debug,
        string? buildUuid,
        SecretMasker masker,
        SystemdEnvironment environment,
        TextWriter writer,
        TimeProvider timeProvider)
    {
        ArgumentNullException.ThrowIfNull(environment);
        var format = environment.LogsToJournal ? WorkerLogFormat.Journald : WorkerLogFormat.Plain;
        var formatter = new WorkerLogLineFormatter(format, buildUuid, masker, includeStackTraces: debug);
        var minimum = debug ? LogLevel.Debug : LogLevel.Information;

        // No DI container and no configuration binding: nothing here is discovered by reflection.
        var filters = new LoggerFilterOptions { MinLevel = minimum };
        if (!debug)
        {
            // HttpClient logs every request at Information; with DEBUG off the worker's own story is enough.
            filters.Rules.Add(new LoggerFilterRule(null, "System.Net.Http.HttpClient", LogLevel.Warning, null));
        }

        var factory = new LoggerFactory([new WorkerLoggerProvider(formatter, writer, timeProvider)], filters);
        return factory;
    }
}
