using System.Runtime.InteropServices;
using Grpc.Core;
using Microsoft.Extensions.Logging;
using QuayBuilder.Build;
using QuayBuilder.BuildContext;
using QuayBuilder.Configuration;
using QuayBuilder.Hosting;
using QuayBuilder.Logging;
using QuayBuilder.Manager;
using QuayBuilder.Podman;
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
            // The extra CAs (and kubernetesPodman's /certs/cacert.crt) before anything connects.
            settings = CaTrustSetup.Apply(WorkerSettingsReader.Read(environment));
        }
        catch (ConfigurationException e)
        {
            // Under systemd the journal reads the priority prefix: `journalctl -p err` must find this.
            var priority = SystemdEnvironment.FromProcess().LogsToJournal ? "<3>" : string.Empty;
            await Console.Error.WriteLineAsync($"{priority}quay-builder: {e.Message}").ConfigureAwait(false);
            return ExitCodes.Configuration;
        }

        var masker = new SecretMasker();
        masker.Add(settings.Manager.Token);
        foreach (var secret in settings.Build.Proxy.Secrets())
        {
            masker.Add(secret);
        }

        using var loggerFactory = WorkerLogging.Create(settings.Build.Debug, settings.Manager.BuildUuid, masker);
        var logger = loggerFactory.CreateLogger("quay-builder");
        using var notifier = new SystemdNotifier(SystemdEnvironment.FromProcess(), masker, logger);
        using var abort = new JobAbort();

        // SIGTERM/SIGINT: stop the build, report it, clean up — the default would kill us mid-push.
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context => Stop(context, abort, logger));
        using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, context => Stop(context, abort, logger));

        LogStarting(logger, VersionInfo.Version, settings.Manager.Server, settings.Manager.Insecure ? "plaintext" : "TLS", settings.Build.Runtime, settings.Build.Isolation);
        var connector = new RuntimeConnector();
        try
        {
            using var channel = ManagerChannelFactory.Create(settings);
            return await RunJobAsync(settings, channel, masker, notifier, abort, loggerFactory, ct => connector.ConnectAsync(settings.Build, ct, logger)).ConfigureAwait(false);
        }
        catch (BuildFailure e)
        {
            // The manager's channel could not be made (TLS_CERT_PATH / CA_CERT unusable).
            LogFatal(logger, e.Message);
            return ExitCodes.For(e.Kind);
        }
        finally
        {
            await DisposeQuietlyAsync(connector, logger).ConfigureAwait(false);
            notifier.Stopping();
        }
    }

    /// <summary>
    /// Registers, runs the job and turns how it ended into the exit status. Never throws: every
    /// failure, from any call at any phase, has been classified (ManagerCallFailure for the
    /// manager's answers, FailureClassifier for the job) by the time it arrives here.
    /// </summary>
    internal static async Task<int> RunJobAsync(
        WorkerSettings settings, ChannelBase channel, SecretMasker masker, IServiceNotifier notifier, JobAbort abort, ILoggerFactory loggerFactory,
        Func<CancellationToken, Task<IContainerRuntime>> connectRuntime)
    {
        var logger = loggerFactory.CreateLogger("quay-builder");
        try
        {
            var client = new BuildManager.BuildManagerClient(channel);
            var manager = settings.Manager;
            var session = new ManagerSession(client, manager.Server, manager.RegistrationRetryTime, masker, loggerFactory.CreateLogger<ManagerSession>())
            {
                TlsHint = manager.Insecure ? null : settings.TlsCertPath ?? (settings.CaCert is null ? "the system's CA certificates" : "CA_CERT"),
            };

            notifier.Status("registering with the build manager");
            await session.PingAsync(abort.Token).ConfigureAwait(false);
            var spec = await session.RegisterAsync(manager.Token, abort.Token).ConfigureAwait(false);
            LogRegistered(logger, spec.ToString());
            notifier.Ready();

            var heartbeat = new HeartbeatLoop(client, session.JobToken, manager.HeartbeatInterval, manager.HeartbeatWindow, loggerFactory.CreateLogger<HeartbeatLoop>());
            var log = new BuildLogStream(client, session.JobToken, new BuildLogStreamOptions { Window = LogWindow, MaxLogBytes = settings.Build.LogMaxBytes }, reason => abort.Abort(FailureKind.JobGone, JobGoneMessage(reason)), loggerFactory.CreateLogger<BuildLogStream>());
            try
            {
                using var goneRegistration = heartbeat.JobGone.Register(() => abort.Abort(FailureKind.JobGone, JobGoneMessage(heartbeat.GoneReason ?? "heartbeats failed")));
                heartbeat.Start();
                log.Start();
                var reporter = new ManagerReporter(session, log, masker);
                var job = new BuildJob(spec, reporter, connectRuntime, JobOptions(settings.Build), notifier, loggerFactory.CreateLogger<BuildJob>());
                await job.RunAsync(abort).ConfigureAwait(false);
                return ExitCodes.Success;
            }
            finally
            {
                await DisposeQuietlyAsync(log, logger).ConfigureAwait(false);
                await DisposeQuietlyAsync(heartbeat, logger).ConfigureAwait(false);
            }
        }
        catch (BuildFailure e)
        {
            if (e.Kind is FailureKind.Registration or FailureKind.Configuration)
            {
                LogFatal(logger, e.Message);
            }

            if (settings.Build.Debug && e.InnerException is { } cause)
            {
                LogCause(logger, cause);
            }

            return ExitCodes.For(e.Kind);
        }
        catch (OperationCanceledException) when (abort.Reason is { } reason)
        {
            // Stopped before the job ran (SIGTERM during registration): nothing to report but the journal.
            LogFatal(logger, reason.Message);
            return ExitCodes.For(reason.Kind);
        }
        catch (Exception e)
        {
            LogUnexpected(logger, e);
            return ExitCodes.Internal;
        }
    }

    private static async Task DisposeQuietlyAsync(IAsyncDisposable disposable, ILogger logger)
    {
        try
        {
            await disposable.DisposeAsync().ConfigureAwait(false);
        }
        catch (Exception e)
        {
            // The outcome is decided; a failure to let go of a stream or a service must not change it.
            LogDisposeFailed(logger, disposable.GetType().Name, e.Message);
        }
    }

    internal static BuildJobOptions JobOptions(BuildSettings settings) => new()
    {
        Isolation = settings.Isolation,
        KeepArtifacts = settings.Debug,
        WorkRoot = settings.WorkRoot,
        SourceLimits = settings.SourceLimits,
        Trust = settings.Trust,
        // The Docker Engine API has no build timestamp (ADR 0012).
        Provenance = new ProvenanceOptions(settings.ReproducibleTimestamp && settings.Runtime == ContainerRuntimeKind.Podman, settings.ProvenanceLabels),
        LayerCache = settings.LayerCache,
        Git = new GitOptions
        {
            IdleTimeout = settings.GitIdleTimeout,
            TotalTimeout = settings.GitTotalTimeout,
            ConnectTimeout = settings.GitConnectTimeout,
            KnownHostsFile = settings.GitKnownHosts,
            CaBundlePath = settings.CaBundlePath,
            ProxyEnvironment = settings.Proxy.Environment(),
        },
    };

    private static string JobGoneMessage(string reason) => $"build stopped: {reason}";

    private static void Stop(PosixSignalContext context, JobAbort abort, ILogger logger)
    {
        // Keep the process alive: the job reports the cancellation, cleans up, then returns.
        context.Cancel = true;
        LogSignal(logger, context.Signal.ToString());
        abort.Abort(FailureKind.Cancelled, $"build stopped: the worker received {context.Signal}.");
    }

    [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "quay-builder {Version} starting: manager {Server} ({Transport}), runtime {Runtime}, isolation {Isolation}")]
    private static partial void LogStarting(ILogger logger, string version, string server, string transport, ContainerRuntimeKind runtime, string isolation);

    [LoggerMessage(EventId = 2, Level = LogLevel.Information, Message = "Registered: {Job}")]
    private static partial void LogRegistered(ILogger logger, string job);

    [LoggerMessage(EventId = 3, Level = LogLevel.Error, Message = "{Message}")]
    private static partial void LogFatal(ILogger logger, string message);

    [LoggerMessage(EventId = 4, Level = LogLevel.Warning, Message = "Received {Signal}: stopping the build")]
    private static partial void LogSignal(ILogger logger, string signal);

    [LoggerMessage(EventId = 6, Level = LogLevel.Critical, Message = "Unexpected failure: this is a defect of quay-builder")]
    private static partial void LogUnexpected(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 7, Level = LogLevel.Debug, Message = "Releasing {What} failed: {Reason}")]
    private static partial void LogDisposeFailed(ILogger logger, string what, string reason);

    [LoggerMessage(EventId = 5, Level = LogLevel.Debug, Message = "Cause")]
    private static partial void LogCause(ILogger logger, Exception cause);
}
