using System.Text.RegularExpressions;
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

    // ---- UNPACKING ----

    private async Task<UnpackedSource> UnpackAsync(BuildArtifacts made, CancellationToken ct)
    {
        await EnterAsync(BuildPhase.Unpacking, null, ct).ConfigureAwait(false);
        var workDirectory = WorkDirectory.Create(_options.WorkRoot);
        made.WorkDirectory = workDirectory;
        var source = Path.Combine(workDirectory, "source");
        var progress = new LineProgress(Info);
        SourceFacts facts;
        try
        {
            if (_spec.Git is { } git)
            {
                var scratch = Path.Combine(workDirectory, "scratch");
                Directory.CreateDirectory(scratch);
                var fetcher = new GitFetcher(_options.Git);
                var commit = await fetcher.FetchAsync(new GitSourceRequest(git.Url, git.Sha, git.PrivateKey), source, scratch, progress, ct).ConfigureAwait(false);
                facts = SourceFacts.FromGit(git.Url, commit);
            }
            else if (_spec.PackageUrl is { } url)
            {
                if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
                {
                    throw new BuildFailure(FailureKind.Source, "The build package URL is not an http(s) URL: re-run the build; the manager sent an unusable package_url.");
                }

                using var http = PackageFetcher.CreateHttpClient(_options.SourceLimits, _options.CaBundlePath);
                var fetched = await new PackageFetcher(http, _options.SourceLimits).FetchAsync(uri, source, progress, ct).ConfigureAwait(false);
                Info($"Build package: {fetched.Kind}, {fetched.Entries} entries, {fetched.Bytes} bytes");
                facts = SourceFacts.FromPackage(fetched);
            }
            else if (_spec.LocalPath is { } local)
            {
                if (Directory.Exists(local))
                {
                    // A directory is built in place: resolution below confines the build to it.
                    source = Path.GetFullPath(local);
                    facts = SourceFacts.FromDirectory(source);
                }
                else
                {
                    var fetched = await PackageFetcher.ExtractFileAsync(local, source, _options.SourceLimits, progress, ct).ConfigureAwait(false);
                    Info($"Build package: {fetched.Kind}, {fetched.Entries} entries, {fetched.Bytes} bytes");
                    facts = SourceFacts.FromPackage(fetched);
                }
            }
            else
            {
                throw new BuildFailure(FailureKind.Source, "The build pack has no source (neither a package URL nor a Git package): re-run the build.");
            }

            var context = BuildContextResolver.Resolve(source, _spec.Context, _spec.DockerfilePath);
            Info($"Build context: {Relative(source, context.ContextDirectory)}, Dockerfile: {Relative(source, context.DockerfilePath)}");
            var dockerfileText = await ReadDockerfileAsync(context.DockerfilePath, ct).ConfigureAwait(false);
            return new UnpackedSource(context, DockerfileParser.Parse(dockerfileText), dockerfileText, facts);
        }
        catch (SourceException e)
        {
            throw new BuildFailure(FailureKind.Source, e.Message, e);
        }
    }

    private async Task<string> ReadDockerfileAsync(string path, CancellationToken ct)
    {
        var length = new FileInfo(path).Length;
        if (length > _options.MaxDockerfileBytes)
        {
            throw new SourceException($"Could not parse Dockerfile: it is {length} bytes, more than the {_options.MaxDockerfileBytes} bytes a Dockerfile may have.");
        }

        return await File.ReadAllTextAsync(path, ct).ConfigureAwait(false);
    }

    // ---- PULLING ----

    /// <summary>Pulls the first stage's base; returns its image id, or null for <c>scratch</c>.</summary>
    private async Task<string?> PullAsync(IContainerRuntime runtime, Dockerfile dockerfile, BuildArtifacts made, CancellationToken ct)
    {
        var baseImage = dockerfile.BaseImage;
        var metadata = new PullMetadata(
            _spec.Registry,
            baseImage?.Name ?? "scratch",
            baseImage?.TagOrDefault ?? string.Empty,
            _spec.BaseImageUsername);
        await EnterAsync(BuildPhase.Pulling, metadata, ct).ConfigureAwait(false);
        if (baseImage is null || baseImage.IsScratch)
        {
            Info("Base image is scratch: nothing to pull");
            return null;
        }

        var reference = baseImage.ToString();
        var auth = BaseImageAuth(baseImage);
        Info($"Pulling base image {reference}{(auth is null ? string.Empty : " as " + auth.Username)}");
        try
        {
            return await PullOwnAsync(runtime, reference, auth, made, ct).ConfigureAwait(false);
        }
        catch (PodmanException e)
        {
            throw new BuildFailure(FailureKind.Build,
                $"Could not pull the base image {reference}: {e.Message}. Check that the image exists and that this repository's credentials can read it.", e);
        }
    }

    private async Task PrimeCacheAsync(IContainerRuntime runtime, Dockerfile dockerfile, string? baseImageId, BuildArtifacts made, CancellationToken ct)
    {
        var baseImage = dockerfile.Stages[0].Base;
        if (baseImage is null || (!baseImage.IsScratch && baseImageId is null))
        {
            return;
        }

        using var bounded = CancellationTokenSource.CreateLinkedTokenSource(ct);
        bounded.CancelAfter(_options.CachePrimingTimeout);
        string? cachedTag;
        try
        {
            cachedTag = await _reporter.DetermineCachedTagAsync(baseImage.Name, baseImage.TagOrDefault, baseImageId ?? ScratchImageId, bounded.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (!ct.IsCancellationRequested && e is OperationCanceledException or BuildFailure)
        {
            // Even a refused token is only a warning here: priming is optional, and the next
            // SetPhase, the heartbeats and the log stream stop the job if it is really gone.
            Warn($"Could not ask the build manager for a cache tag ({e.Message}); building without a primed cache");
            return;
        }

        if (cachedTag is null)
        {
            Info("No cached tag to prime the cache with");
            return;
        }

        if (string.IsNullOrEmpty(_spec.PullToken))
        {
            Info($"Cached tag {cachedTag} found, but there is no pull token: building without a primed cache");
            return;
        }

        var reference = $"{_spec.ImageRepository}:{cachedTag}";
        try
        {
            Info($"Priming the cache with {reference}");
            await PullOwnAsync(runtime, reference, new RegistryAuth("$token", _spec.PullToken), made, bounded.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (!ct.IsCancellationRequested && e is PodmanException or OperationCanceledException)
        {
            Warn($"Could not pull {reference} to prime the cache ({(e is OperationCanceledException ? "timed out" : e.Message)}); building without it");
        }
    }

    /// <summary>
    /// Pulls <paramref name="reference"/> and returns its id. The image is this build's to remove
    /// only when it was not in storage before: another build, or the operator, may be using it.
    /// </summary>
    private async Task<string> PullOwnAsync(IContainerRuntime runtime, string reference, RegistryAuth? auth, BuildArtifacts made, CancellationToken ct)
    {
        bool present = await runtime.InspectImageAsync(reference, ct).ConfigureAwait(false) is not null;
        var coalescer = new ProgressCoalescer(WriteProgress, TimeSpan.FromMilliseconds(500));
        try
        {
            var id = await WithRetriesAsync($"Pulling {reference}", token => runtime.PullAsync(reference, auth, coalescer.OnMessage, token), ct).ConfigureAwait(false);
            if (!present)
            {
                made.AddPulled(reference);
            }

            return id;
        }
        finally
        {
            coalescer.Flush();
        }
    }

    /// <summary>The one retry of the job: pulls and pushes, on <see cref="Backoff.RegistryTransfer"/>.</summary>
    private Task<T> WithRetriesAsync<T>(string what, Func<CancellationToken, Task<T>> operation, CancellationToken ct) =>
        Backoff.ExecuteRegistryTransferAsync(
            _options.RetryPolicy,
            notice => Warn($"{what} failed (try {notice.FailedAttempt} of {notice.MaxAttempts}): {notice.Reason}; retrying in {notice.Delay.TotalSeconds:0} s"),
            operation,
            ct);

    private RegistryAuth? BaseImageAuth(ImageReference image) =>
        string.IsNullOrEmpty(_spec.BaseImageUsername) || !image.IsHostedOn(_spec.Registry)
            ? null
            : new RegistryAuth(_spec.BaseImageUsername, _spec.BaseImagePassword);

    // ---- BUILDING ----

    /// <summary>Builds the image; returns its id.</summary>
    private async Task<string> BuildAsync(IContainerRuntime runtime, UnpackedSource source, BuildArtifacts made, CancellationToken ct)
    {
        await EnterAsync(BuildPhase.Building, null, ct).ConfigureAwait(false);
        var context = source.Context;
        var credentials = new Dictionary<string, RegistryAuth>(StringComparer.Ordinal);
        if (!string.IsNullOrEmpty(_spec.BaseImageUsername))
        {
            // Every stage's base hosted on this registry must be pullable during the build.
            credentials[_spec.Registry] = new RegistryAuth(_spec.BaseImageUsername, _spec.BaseImagePassword);
        }

        var provenance = Provenance.Create(source.Facts, source.DockerfileText, _options.Provenance, DateTimeOffset.UtcNow);
        foreach (var note in provenance.Notes)
        {
            Info(note);
        }

        // The primed cache image is in local storage, where Podman's layer cache finds it by
        // history. It is not passed as cachefrom: for Podman that names a *remote* cache
        // repository, and measured on 4.3.1 it turned local cache hits off.
        var tag = $"{_spec.ImageRepository}:{_spec.Tags[0]}";
        var parameters = new BuildParameters
        {
            Tag = tag,
            Dockerfile = context.DockerfileInContext,
            Isolation = _options.Isolation,
            RegistryCredentials = credentials,
            ImageFormat = provenance.ImageFormat,
            Timestamp = provenance.Timestamp,
            Labels = provenance.Labels,
        };

        ContextTarStats? sent = null;
        var steps = new StepHeaderTranslator(source.Dockerfile, provenance.Labels.Count);
        var lines = new LineAssembler(line => WriteBuildLine(steps, made, line));
        string imageId;
        try
        {
            made.AddName(tag);
            imageId = await runtime.BuildAsync(
                parameters,
                async (stream, token) => sent = await ContextTarWriter.WriteAsync(context, stream, token).ConfigureAwait(false),
                message => WriteBuildOutput(lines, message),
                ct).ConfigureAwait(false);
        }
        catch (PodmanException e)
        {
            throw new BuildFailure(FailureKind.Build, $"The build failed: {e.Message.TrimEnd()}", e);
        }
        catch (SourceException e)
        {
            throw new BuildFailure(FailureKind.Source, e.Message, e);
        }
        finally
        {
            lines.Flush();
        }

        made.BuiltImageId = imageId;
        if (sent is not null)
        {
            LogContextSent(_logger, sent.Files, sent.Bytes, sent.ExcludedEntries);
        }

        Info($"Built image {imageId}");
        return imageId;
    }

    private void WriteBuildOutput(LineAssembler lines, PodmanMessage message)
    {
        if (message.Stream is { } text)
        {
            lines.Append(text);
        }
        else
        {
            WriteProgress(message);
        }
    }

    private void WriteBuildLine(StepHeaderTranslator steps, BuildArtifacts made, string line)
    {
        var sent = steps.Translate(line, out bool header);
        if (header)
        {
            _notifier.Status($"building: {sent}");
        }
        else if (CommittedLayer().Match(line) is { Success: true } layer)
        {
            made.AddIntermediate(layer.Groups[1].Value);
        }

        _reporter.Write(BuildLogMessage.Stream(sent));
    }

    private void WriteProgress(PodmanMessage message)
    {
        var text = message.Status ?? message.Stream?.TrimEnd('\n');
        if (!string.IsNullOrEmpty(text))
        {
            _reporter.Write(BuildLogMessage.Status(text, message.Id, message.Current, message.Total));
        }
    }

    // ---- PUSHING ----

    private async Task<BuildResult> PushAsync(IContainerRuntime runtime, string imageId, BuildArtifacts made, CancellationToken ct)
    {
        await EnterAsync(BuildPhase.Pushing, null, ct).ConfigureAwait(false);
        var auth = new RegistryAuth(_spec.PushUsername, _spec.PushToken);
        var pushed = new List<string>();
        var digests = new List<string>();
        foreach (var tag in _spec.Tags)
        {
            var destination = $"{_spec.ImageRepository}:{tag}";
            var coalescer = new ProgressCoalescer(WriteProgress, TimeSpan.FromMilliseconds(500));
            try
            {
                made.AddName(destination);
                await runtime.TagAsync(imageId, _spec.ImageRepository, tag, ct).ConfigureAwait(false);
                Info($"Pushing {destination}");
                var digest = await WithRetriesAsync($"Pushing {destination}", token => runtime.PushAsync(destination, destination, auth, coalescer.OnMessage, token), ct).ConfigureAwait(false);
                pushed.Add(destination);
                Info(digest is null ? $"Pushed {destination}" : $"Pushed {destination} ({digest})");
                if (digest is not null)
                {
                    digests.Add($"{_spec.ImageRepository}@{digest}");
                }
            }
            catch (PodmanException e)
            {
                throw new BuildFailure(FailureKind.Build,
                    $"Could not push {destination} to {_spec.Registry}: {e.Message}. Check that the registry is reachable from the builders and accepts this repository's push token; re-run the build.", e);
            }
            finally
            {
                coalescer.Flush();
            }
        }

        var details = await runtime.InspectImageAsync(imageId, ct).ConfigureAwait(false);
        Info($"Image ID: {details?.Id ?? imageId}");
        return new BuildResult(details?.Id ?? imageId, pushed, [.. digests.Distinct(StringComparer.Ordinal)]);
    }

    private async Task<BuildResult> DescribeBuiltImageAsync(IContainerRuntime runtime, string imageId, BuildArtifacts made, CancellationToken ct)
    {
        var tagged = new List<string>();
        foreach (var tag in _spec.Tags)
        {
            made.AddName($"{_spec.ImageRepository}:{tag}");
            await runtime.TagAsync(imageId, _spec.ImageRepository, tag, ct).ConfigureAwait(false);
            tagged.Add($"{_spec.ImageRepository}:{tag}");
        }

        var details = await runtime.InspectImageAsync(imageId, ct).ConfigureAwait(false);
        Info($"Image ID: {details?.Id ?? imageId} (not pushed)");
        return new BuildResult(details?.Id ?? imageId, [], details?.RepoDigests ?? []);
    }

    // ---- the end: error line, cleanup, flush, final phase ----

    private async Task<BuildResult> FinishAsync(IContainerRuntime? runtime, BuildArtifacts made, BuildResult? result, BuildFailure? failure)
    {
        if (failure is not null)
        {
            ReportFailure(failure);
        }

        await CleanupAsync(runtime, made).ConfigureAwait(false);

        // A job the manager gave up may never answer its lines: do not wait long for them.
        var flushFor = failure?.Kind == FailureKind.JobGone ? _options.PhaseFlushTimeout / 4 : _options.PhaseFlushTimeout;
        await FlushBoundedAsync(flushFor, CancellationToken.None).ConfigureAwait(false);

        var finalPhase = failure is null ? BuildPhase.Complete : FailureOutcome.For(failure.Kind).FinalPhase;
        if (failure is null && result is not null)
        {
            LogCompleted(_logger, result.ImageId, string.Join(", ", result.PushedReferences));
        }

        if (finalPhase is { } phase)
        {
            // The last act: Quay's manager stops the worker inside this call. Not cancelled by
            // SIGTERM — a stop now changes nothing the call would not finish.
            LogPhase(_logger, phase);
            if (failure is null)
            {
                // On failure `systemctl status` keeps showing the reason ("error: …").
                _notifier.Status(phase.ToString().ToLowerInvariant());
            }

            try
            {
                using var timeout = new CancellationTokenSource(_options.FinalPhaseTimeout);
                await _reporter.SetPhaseAsync(phase, null, timeout.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is BuildFailure or OperationCanceledException)
            {
                LogFinalPhaseNotSet(_logger, phase, e.Message);
                failure ??= e as BuildFailure ?? new BuildFailure(FailureKind.JobGone,
                    $"The build manager did not answer the {phase.ToString().ToUpperInvariant()} phase in time: the job will expire and Quay will requeue it.", e);
            }
        }
        else if (failure is not null)
        {
            LogNoFinalPhase(_logger, failure.Kind);
        }

        if (failure is null && result is not null)
        {
            return result;
        }

        throw failure ?? new BuildFailure(FailureKind.Internal, "The build ended without a result: this is a defect of the worker.");
    }

    private void ReportFailure(BuildFailure failure)
    {
        LogFailed(_logger, failure.Kind, failure.Message);
        _notifier.Status($"error: {failure.Message}");
        _reporter.Write(BuildLogMessage.Error(_options.ManagerRequeues ? failure.Message + FailureClassifier.RequeueNotice(failure.Kind) : failure.Message));
    }

    /// <summary>Removes what this build made or pulled, never by force; an image still in use stays.</summary>
    private async Task CleanupAsync(IContainerRuntime? runtime, BuildArtifacts made)
    {
        if (_options.KeepArtifacts)
        {
            LogKept(_logger, made.WorkDirectory ?? "(none)", made.BuiltImageId ?? "(none)");
            return;
        }

        if (runtime is not null)
        {
            using var timeout = new CancellationTokenSource(_options.CleanupTimeout);
            var images = new List<string>();
            if (!_options.KeepBuiltImage)
            {
                // Names first (each removal drops one name; the last one drops the image), then
                // the layer images, newest first: an image with children cannot go before them.
                images.AddRange(made.ImageNames);
                if (made.BuiltImageId is { } built)
                {
                    images.Add(built);
                }

                images.AddRange(made.IntermediateImages.Reverse());
            }

            images.AddRange(made.PulledImages.Reverse());
            foreach (var image in images)
            {
                try
                {
                    if (!await runtime.RemoveImageAsync(image, timeout.Token).ConfigureAwait(false))
                    {
                        LogImageInUse(_logger, image);
                    }
                }
                catch (Exception e) when (e is PodmanException or OperationCanceledException)
                {
                    LogCleanupFailed(_logger, image, e.Message);
                }
            }
        }

        if (made.WorkDirectory is { } directory)
        {
            try
            {
                WorkDirectory.Delete(directory);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                LogCleanupFailed(_logger, directory, e.Message);
            }
        }
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

    // Quay's manager keys cache lookups of `scratch` builds on this id, as the Go worker sent it.
    private const string ScratchImageId = "511136ea3c5a64f264b78b5433614aec563103b4d4702f3ba7d4d2698e22c158";

    /// <summary>Podman's line after each committed step (<c>--> 843c3ccc4b7</c>); a cache hit says "Using cache" and is not ours.</summary>
    [GeneratedRegex(@"^--> ([0-9a-f]{12,64})$", RegexOptions.CultureInvariant)]
    private static partial Regex CommittedLayer();

    /// <summary>Reports synchronously, so source lines keep their order among the job's own.</summary>
    private sealed class LineProgress(Action<string> write) : IProgress<string>
    {
        public void Report(string value) => write(value);
    }

    [LoggerMessage(EventId = 40, Level = LogLevel.Information, Message = "Phase: {Phase}")]
    private static partial void LogPhase(ILogger logger, BuildPhase phase);

    [LoggerMessage(EventId = 41, Level = LogLevel.Information, Message = "Build complete: image {ImageId} pushed as {References}")]
    private static partial void LogCompleted(ILogger logger, string imageId, string references);

    [LoggerMessage(EventId = 42, Level = LogLevel.Error, Message = "Build failed ({Kind}): {Reason}")]
    private static partial void LogFailed(ILogger logger, FailureKind kind, string reason);

    [LoggerMessage(EventId = 43, Level = LogLevel.Warning, Message = "Could not set the final phase {Phase}: {Reason}")]
    private static partial void LogFinalPhaseNotSet(ILogger logger, BuildPhase phase, string reason);

    [LoggerMessage(EventId = 44, Level = LogLevel.Warning, Message = "Cleanup of {What} failed: {Reason}")]
    private static partial void LogCleanupFailed(ILogger logger, string what, string reason);

    [LoggerMessage(EventId = 45, Level = LogLevel.Information, Message = "DEBUG: keeping work directory {Directory} and image {ImageId}")]
    private static partial void LogKept(ILogger logger, string directory, string imageId);

    [LoggerMessage(EventId = 46, Level = LogLevel.Warning, Message = "{Line}")]
    private static partial void LogWarning(ILogger logger, string line);

    [LoggerMessage(EventId = 47, Level = LogLevel.Information, Message = "Context sent to the runtime: {Files} files, {Bytes} bytes, {Excluded} entries excluded by the ignore file")]
    private static partial void LogContextSent(ILogger logger, long files, long bytes, long excluded);

    [LoggerMessage(EventId = 48, Level = LogLevel.Debug, Message = "Image {Image} is in use (by another build or a container) and stays")]
    private static partial void LogImageInUse(ILogger logger, string image);

    [LoggerMessage(EventId = 49, Level = LogLevel.Warning, Message = "Not every log line was answered within {Seconds:0} s; going on")]
    private static partial void LogFlushTimedOut(ILogger logger, double seconds);

    [LoggerMessage(EventId = 52, Level = LogLevel.Warning, Message = "No final phase sent ({Kind}): the job is left to expire, and Quay requeues it if it still exists")]
    private static partial void LogNoFinalPhase(ILogger logger, FailureKind kind);

    [LoggerMessage(EventId = 53, Level = LogLevel.Error, Message = "Unexpected failure")]
    private static partial void LogUnexpected(ILogger logger, Exception cause);
}
