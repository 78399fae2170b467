using System.Runtime.InteropServices;
using Microsoft.Extensions.Logging;
using QuayBuilder.Build;
using QuayBuilder.BuildContext;
using QuayBuilder.Configuration;
using QuayBuilder.Hosting;
using QuayBuilder.Logging;
using QuayBuilder.Manager;
using QuayBuilder.Protocol;

namespace QuayBuilder.Cli;

/// <summary>
/// Worker mode, exactly as deployed: configured by the environment, registers with the build
/// manager, builds the one job it is given, and exits.
/// </summary>
internal static partial class WorkerCommand
{
    /// <summary>Lines the log stream keeps in flight before it waits for the manager's answers.</summary>
    internal const int LogWindow = 256;

    public static async Task<int> RunAsync(Func<string, string?> environment)
    {
        WorkerSettings settings;
        try
        {
            settings = WorkerSettingsReader.Read(environment);
        }
        catch (ConfigurationException e)
        {
            // Under systemd the journal reads the priority prefix: `journalctl -p err` must find this.
            var priority = SystemdEnvironment.FromProcess().LogsToJournal ? "<3>" : string.Empty;
            await Console.Error.WriteLineAsync($"{priority}quay-builder: {e.Message}").ConfigureAwait(false);
            return ExitCodes.Configuration;
        }

        var masker = new SecretMasker();
        masker.Add(settings.Token);
        using var loggerFactory = WorkerLogging.Create(settings.Debug, settings.BuildUuid, masker);
        var logger = loggerFactory.CreateLogger("quay-builder");
        using var notifier = new SystemdNotifier(SystemdEnvironment.FromProcess(), masker, logger);
        using var abort = new JobAbort();

        // SIGTERM/SIGINT: stop the build, report it, clean up — the default would kill us mid-push.
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context => Stop(context, abort, logger));
        using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, context => Stop(context, abort, logger));

        LogStarting(logger, VersionInfo.Version, settings.Server, settings.Insecure ? "plaintext" : "TLS", settings.Runtime, settings.Isolation);
        try
        {
            return await RunJobAsync(settings, masker, notifier, abort, loggerFactory, logger).ConfigureAwait(false);
        }
        catch (BuildFailure e)
        {
            if (e.Kind is FailureKind.Registration or FailureKind.Configuration)
            {
                LogFatal(logger, e.Message);
            }

            if (settings.Debug && e.InnerException is { } cause)
            {
                LogCause(logger, cause);
            }

            return ExitCodes.For(e.Kind);
        }
        finally
        {
            notifier.Stopping();
        }
    }

    private static async Task<int> RunJobAsync(WorkerSettings settings, SecretMasker masker, SystemdNotifier notifier, JobAbort abort, ILoggerFactory loggerFactory, ILogger logger)
    {
        using var channel = ManagerChannelFactory.Create(settings);
        var client = new BuildManager.BuildManagerClient(channel);
        var session = new ManagerSession(client, settings.Server, settings.RegistrationRetryTime, masker, loggerFactory.CreateLogger<ManagerSession>())
        {
            TlsHint = settings.Insecure ? null : settings.TlsCertPath ?? (settings.CaCert is null ? "the system's CA certificates" : "CA_CERT"),
        };

        notifier.Status("registering with the build manager");
        await session.PingAsync(abort.Token).ConfigureAwait(false);
        var spec = await session.RegisterAsync(settings.Token, abort.Token).ConfigureAwait(false);
        LogRegistered(logger, spec.ToString());
        notifier.Ready();

        await using var heartbeat = new HeartbeatLoop(client, session.JobToken, settings.HeartbeatInterval, settings.HeartbeatWindow, loggerFactory.CreateLogger<HeartbeatLoop>());
        await using var log = new BuildLogStream(client, session.JobToken, new BuildLogStreamOptions { Window = LogWindow, MaxLogBytes = settings.LogMaxBytes }, reason => abort.Abort(FailureKind.JobGone, JobGoneMessage(reason)), loggerFactory.CreateLogger<BuildLogStream>());
        using var goneRegistration = heartbeat.JobGone.Register(() => abort.Abort(FailureKind.JobGone, JobGoneMessage(heartbeat.GoneReason ?? "heartbeats failed")));
        heartbeat.Start();
        log.Start();

        var reporter = new ManagerReporter(session, log, masker);
        await using var connector = new RuntimeConnector();
        var job = new BuildJob(spec, reporter, ct => connector.ConnectAsync(settings, ct, logger), JobOptions(settings), notifier, loggerFactory.CreateLogger<BuildJob>());
        await job.RunAsync(abort).ConfigureAwait(false);
        return ExitCodes.Success;
    }

    internal static BuildJobOptions JobOptions(WorkerSettings settings) => new()
    {
        Isolation = settings.Isolation,
        KeepArtifacts = settings.Debug,
        WorkRoot = settings.WorkRoot,
        SourceLimits = settings.SourceLimits,
        CaBundlePath = settings.CaBundlePath,
        Git = new GitOptions
        {
            IdleTimeout = settings.GitIdleTimeout,
            TotalTimeout = settings.GitTotalTimeout,
            ConnectTimeout = settings.GitConnectTimeout,
            KnownHostsFile = settings.GitKnownHosts,
            CaBundlePath = settings.CaBundlePath,
        },
    };

    private static string JobGoneMessage(string reason) => $"build stopped: {reason}";

    private static void Stop(PosixSignalContext context, JobAbort abort, ILogger logger)
    {
        // Keep the process alive: the job reports the cancellation, cleans up, then returns.
        context.Cancel = true;
        LogSignal(logger, context.Signal.ToString());
        abort.Abort(FailureKind.Cancelled, "build cancelled: worker stopped");
    }

    [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "quay-builder {Version} starting: manager {Server} ({Transport}), runtime {Runtime}, isolation {Isolation}")]
    private static partial void LogStarting(ILogger logger, string version, string server, string transport, ContainerRuntimeKind runtime, string isolation);

    [LoggerMessage(EventId = 2, Level = LogLevel.Information, Message = "Registered: {Job}")]
    private static partial void LogRegistered(ILogger logger, string job);

    [LoggerMessage(EventId = 3, Level = LogLevel.Error, Message = "{Message}")]
    private static partial void LogFatal(ILogger logger, string message);

    [LoggerMessage(EventId = 4, Level = LogLevel.Warning, Message = "Received {Signal}: stopping the build")]
    private static partial void LogSignal(ILogger logger, string signal);

    [LoggerMessage(EventId = 5, Level = LogLevel.Debug, Message = "Cause")]
    private static partial void LogCause(ILogger logger, Exception cause);
}
