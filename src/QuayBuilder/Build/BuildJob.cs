using Microsoft.Extensions.Logging;
using QuayBuilder.BuildContext;
using QuayBuilder.Hosting;
using QuayBuilder.Podman;

namespace QuayBuilder.Build;

/// <summary>
/// One build, phase by phase: UNPACKING → PULLING → BUILDING → PUSHING, one method per phase,
/// each returning what the next one needs. Then, on every path, in this order: the error line
/// (on failure), cleanup of what this build made (unless DEBUG), the wait until every log line
/// is answered, and last the final phase that <see cref="FailureOutcome"/> names — the worker's
/// last act, since Quay's manager stops the worker inside that call (docs/adr/0007-final-phase.md).
/// </summary>
internal sealed partial class BuildJob
{
    private static readonly TimeSpan PingTimeout = TimeSpan.FromSeconds(5);

    private readonly BuildJobSpec _spec;
    private readonly IBuildReporter _reporter;
    private readonly Func<CancellationToken, Task<IContainerRuntime>> _connectRuntime;
    private readonly BuildJobOptions _options;
    private readonly IServiceNotifier _notifier;
    private readonly ILogger _logger;

    /// <param name="connectRuntime">Finds the container runtime; called once, before UNPACKING, so a
    /// missing runtime is reported as this build's failure.</param>
    public BuildJob(BuildJobSpec spec, IBuildReporter reporter, Func<CancellationToken, Task<IContainerRuntime>> connectRuntime, BuildJobOptions options, IServiceNotifier notifier, ILogger logger)
    {
        _spec = spec;
        _reporter = reporter;
        _connectRuntime = connectRuntime;
        _options = options;
        _notifier = notifier;
        _logger = logger;
    }

    /// <summary>
    /// Runs the whole job. Returns what was built once COMPLETE was accepted; otherwise throws
    /// the <see cref="BuildFailure"/> that ended it, after reporting it. Never throws anything else.
    /// </summary>
    public async Task<BuildResult> RunAsync(JobAbort abort)
    {
        ArgumentNullException.ThrowIfNull(abort);
        var ct = abort.Token;
        var made = new BuildArtifacts();
        IContainerRuntime? runtime = null;
        BuildResult? result = null;
        BuildFailure? failure = null;
        try
        {
            runtime = await _connectRuntime(ct).ConfigureAwait(false);
            var source = await UnpackAsync(made, ct).ConfigureAwait(false);
            var baseImageId = await PullAsync(runtime, source.Dockerfile, made, ct).ConfigureAwait(false);
            await PrimeCacheAsync(runtime, source.Dockerfile, baseImageId, made, ct).ConfigureAwait(false);
            var imageId = await BuildAsync(runtime, source, made, ct).ConfigureAwait(false);
            result = _options.Push
                ? await PushAsync(runtime, imageId, made, ct).ConfigureAwait(false)
                : await DescribeBuiltImageAsync(runtime, imageId, made, ct).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            // Every exception ends here: the classifier is the one place that names it.
            bool answers = runtime is null || await RuntimeAnswersAsync(runtime).ConfigureAwait(false);
            failure = FailureClassifier.Classify(e, abort.Reason, answers);
            if (failure.Kind == FailureKind.Internal)
            {
                LogUnexpected(_logger, e);
            }
        }

        return await FinishAsync(runtime, made, result, failure).ConfigureAwait(false);
    }


    /// <summary>
    /// Every SetPhase first waits until the lines of the phase it ends are answered: Quay files
    /// lines and phase markers in one list in arrival order.
    /// </summary>
    private async Task EnterAsync(BuildPhase phase, PullMetadata? metadata, CancellationToken ct)
    {
        await FlushBoundedAsync(_options.PhaseFlushTimeout, ct).ConfigureAwait(false);
        LogPhase(_logger, phase);
        _notifier.Status(phase.ToString().ToLowerInvariant());
        await _reporter.SetPhaseAsync(phase, metadata, ct).ConfigureAwait(false);
    }

    /// <summary>Waits for every queued line at most <paramref name="limit"/>; then goes on (the journal says so).</summary>
    private async Task FlushBoundedAsync(TimeSpan limit, CancellationToken ct)
    {
        using var bounded = CancellationTokenSource.CreateLinkedTokenSource(ct);
        bounded.CancelAfter(limit);
        try
        {
            if (!await _reporter.FlushAsync(bounded.Token).ConfigureAwait(false))
            {
                LogFlushTimedOut(_logger, limit.TotalSeconds);
            }
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            LogFlushTimedOut(_logger, limit.TotalSeconds);
        }
    }

    private async Task<bool> RuntimeAnswersAsync(IContainerRuntime runtime)
    {
        try
        {
            using var timeout = new CancellationTokenSource(PingTimeout);
            await runtime.PingAsync(timeout.Token).ConfigureAwait(false);
            return true;
        }
        catch (Exception e) when (e is PodmanException or OperationCanceledException)
        {
            return false;
        }
    }

    private void Info(string line) => _reporter.Write(BuildLogMessage.Stream(line));

    private void Warn(string line)
    {
        LogWarning(_logger, line);
        _reporter.Write(BuildLogMessage.Stream("Warning: " + line));
    }

    private static string Relative(string root, string path)
    {
        var relative = Path.GetRelativePath(root, path);
        return relative == "." ? "/" : "/" + relative.Replace('\\', '/');
    }

    /// <summary>Reports synchronously, so source lines keep their order among the job's own.</summary>
    private sealed class LineProgress(Action<string> write) : IProgress<string>
    {
        public void Report(string value) => write(value);
    }
}
