using System.Security.Cryptography;
using Microsoft.Extensions.Logging;
using QuayBuilder.BuildContext;
using QuayBuilder.Hosting;
using QuayBuilder.Podman;

namespace QuayBuilder.Build;

/// <summary>
/// One build, phase by phase: UNPACKING → PULLING → BUILDING → PUSHING → COMPLETE, one method
/// per phase. Any failure is reported once as an <c>error</c> line and the ERROR phase; then
/// the job cleans up (unless DEBUG) and the failure reaches Program, which picks the exit code.
/// </summary>
internal sealed partial class BuildJob
{
    private static readonly TimeSpan ReportTimeout = TimeSpan.FromSeconds(15);
    private static readonly TimeSpan CleanupTimeout = TimeSpan.FromSeconds(60);

    private readonly BuildJobSpec _spec;
    private readonly IBuildReporter _reporter;
    private readonly Func<CancellationToken, Task<IContainerRuntime>> _connectRuntime;
    private IContainerRuntime? _runtimeConnection;
    private readonly BuildJobOptions _options;
    private readonly IServiceNotifier _notifier;
    private readonly ILogger _logger;
    private readonly List<string> _pulledImages = [];
    private string? _workDirectory;
    private ResolvedContext? _context;
    private Dockerfile? _dockerfile;
    private string? _baseImageId;
    private string? _cacheImage;
    private string? _builtImageId;
    private SourceFacts _sourceFacts = SourceFacts.Unknown;

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

    /// <summary>Runs the whole job. Throws <see cref="BuildFailure"/> after reporting it.</summary>
    public async Task<BuildResult> RunAsync(JobAbort abort)
    {
        ArgumentNullException.ThrowIfNull(abort);
        var ct = abort.Token;
        try
        {
            _runtimeConnection = await _connectRuntime(ct).ConfigureAwait(false);
            await UnpackAsync(ct).ConfigureAwait(false);
            await PullAsync(ct).ConfigureAwait(false);
            await PrimeCacheAsync(ct).ConfigureAwait(false);
            await BuildAsync(ct).ConfigureAwait(false);
            var result = _options.Push ? await PushAsync(ct).ConfigureAwait(false) : await DescribeBuiltImageAsync(ct).ConfigureAwait(false);
            await EnterAsync(BuildPhase.Complete, null, ct).ConfigureAwait(false);
            LogCompleted(_logger, result.ImageId, string.Join(", ", result.PushedReferences));
            return result;
        }
        catch (Exception e) when (e is BuildFailure or OperationCanceledException or PodmanException or SourceException or IOException or UnauthorizedAccessException)
        {
            var failure = Classify(e, abort);
            await ReportFailureAsync(failure).ConfigureAwait(false);
            throw failure;
        }
        finally
        {
            await CleanupAsync().ConfigureAwait(false);
            try
            {
                using var flush = new CancellationTokenSource(ReportTimeout);
                await _reporter.FlushAsync(flush.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                LogFlushTimedOut(_logger);
            }
        }
    }

    private IContainerRuntime _runtime => _runtimeConnection ?? throw new InvalidOperationException("The runtime is connected before the first phase.");

    // ---- UNPACKING ----

    private async Task UnpackAsync(CancellationToken ct)
    {
        await EnterAsync(BuildPhase.Unpacking, null, ct).ConfigureAwait(false);
        _workDirectory = CreatePrivateDirectory(_options.WorkRoot);
        var source = Path.Combine(_workDirectory, "source");
        var progress = new LineProgress(line => Info(line));
        try
        {
            if (_spec.Git is { } git)
            {
                var scratch = Path.Combine(_workDirectory, "scratch");
                Directory.CreateDirectory(scratch);
                var fetcher = new GitFetcher(_options.Git);
                var commit = await fetcher.FetchAsync(new GitSourceRequest(git.Url, git.Sha, git.PrivateKey), source, scratch, progress, ct).ConfigureAwait(false);
                _sourceFacts = SourceFacts.FromGit(git.Url, commit);
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
                _sourceFacts = SourceFacts.FromPackage(fetched);
            }
            else if (_spec.LocalPath is { } local)
            {
                if (Directory.Exists(local))
                {
                    // A directory is built in place: resolution below confines the build to it.
                    source = Path.GetFullPath(local);
                    _sourceFacts = SourceFacts.FromDirectory(source);
                }
                else
                {
                    var fetched = await PackageFetcher.ExtractFileAsync(local, source, _options.SourceLimits, progress, ct).ConfigureAwait(false);
                    Info($"Build package: {fetched.Kind}, {fetched.Entries} entries, {fetched.Bytes} bytes");
                    _sourceFacts = SourceFacts.FromPackage(fetched);
                }
            }
            else
            {
                throw new BuildFailure(FailureKind.Source, "The build pack has no source (neither a package URL nor a Git package): re-run the build.");
            }

            _context = BuildContextResolver.Resolve(source, _spec.Context, _spec.DockerfilePath);
            Info($"Build context: {Relative(source, _context.ContextDirectory)}, Dockerfile: {Relative(source, _context.DockerfilePath)}");
            _dockerfile = DockerfileParser.Parse(await ReadDockerfileAsync(_context.DockerfilePath, ct).ConfigureAwait(false));
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

    private async Task PullAsync(CancellationToken ct)
    {
        var baseImage = _dockerfile!.BaseImage;
        var metadata = new PullMetadata(
            _spec.Registry,
            baseImage?.Name ?? "scratch",
            baseImage?.TagOrDefault ?? string.Empty,
            _spec.BaseImageUsername);
        await EnterAsync(BuildPhase.Pulling, metadata, ct).ConfigureAwait(false);
        if (baseImage is null || baseImage.IsScratch)
        {
            Info("Base image is scratch: nothing to pull");
            return;
        }

        var reference = baseImage.ToString();
        var auth = BaseImageAuth(baseImage);
        Info($"Pulling base image {reference}{(auth is null ? string.Empty : " as " + auth.Username)}");
        try
        {
            _baseImageId = await PullWithRetriesAsync(reference, auth, ct).ConfigureAwait(false);
        }
        catch (PodmanException e)
        {
            throw new BuildFailure(FailureKind.Build,
                $"Could not pull the base image {reference}: {e.Message}. Check that the image exists and that this repository's credentials can read it.", e);
        }

        _pulledImages.Add(reference);
    }

    private async Task PrimeCacheAsync(CancellationToken ct)
    {
        var baseImage = _dockerfile!.BaseImage;
        if (baseImage is null || (!baseImage.IsScratch && _baseImageId is null))
        {
            return;
        }

        using var bounded = CancellationTokenSource.CreateLinkedTokenSource(ct);
        bounded.CancelAfter(_options.CachePrimingTimeout);
        string? cachedTag;
        try
        {
            var baseId = baseImage.IsScratch ? ScratchImageId : _baseImageId!;
            cachedTag = await _reporter.DetermineCachedTagAsync(baseImage.Name, baseImage.TagOrDefault, baseId, bounded.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (!ct.IsCancellationRequested && e is BuildFailure or OperationCanceledException or Grpc.Core.RpcException)
        {
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
            await PullWithRetriesAsync(reference, new RegistryAuth("$token", _spec.PullToken), bounded.Token).ConfigureAwait(false);
            _cacheImage = reference;
        }
        catch (Exception e) when (!ct.IsCancellationRequested && e is PodmanException or OperationCanceledException)
        {
            Warn($"Could not pull {reference} to prime the cache ({(e is OperationCanceledException ? "timed out" : e.Message)}); building without it");
        }
    }

    private async Task<string> PullWithRetriesAsync(string reference, RegistryAuth? auth, CancellationToken ct)
    {
        var coalescer = new ProgressCoalescer(WriteProgress, TimeSpan.FromMilliseconds(500));
        try
        {
            return await Retry.RunAsync(
                (_, token) => _runtime.PullAsync(reference, auth, coalescer.OnMessage, token),
                notice => Warn($"Pulling {reference} failed (try {notice.FailedAttempt} of {notice.MaxAttempts}): {notice.Reason}; retrying in {notice.Delay.TotalSeconds:0} s"),
                null,
                ct).ConfigureAwait(false);
        }
        finally
        {
            coalescer.Flush();
        }
    }

    private RegistryAuth? BaseImageAuth(ImageReference image) =>
        string.IsNullOrEmpty(_spec.BaseImageUsername) || !image.IsHostedOn(_spec.Registry)
            ? null
            : new RegistryAuth(_spec.BaseImageUsername, _spec.BaseImagePassword);

    // ---- BUILDING ----

    private async Task BuildAsync(CancellationToken ct)
    {
        await EnterAsync(BuildPhase.Building, null, ct).ConfigureAwait(false);
        var context = _context!;
        var credentials = new Dictionary<string, RegistryAuth>(StringComparer.Ordinal);
        if (!string.IsNullOrEmpty(_spec.BaseImageUsername))
        {
            // Every stage's base hosted on this registry must be pullable during the build.
            credentials[_spec.Registry] = new RegistryAuth(_spec.BaseImageUsername, _spec.BaseImagePassword);
        }

        var provenance = Provenance.Create(_sourceFacts, await ReadDockerfileAsync(context.DockerfilePath, ct).ConfigureAwait(false), _options.Provenance, DateTimeOffset.UtcNow);
        foreach (var note in provenance.Notes)
        {
            Info(note);
        }

        // The primed cache image is in local storage, where Podman's layer cache finds it by
        // history. It is not passed as cachefrom: for Podman that names a *remote* cache
        // repository, and measured on 4.3.1 it turned local cache hits off.
        var parameters = new BuildParameters
        {
            Tag = $"{_spec.ImageRepository}:{_spec.Tags[0]}",
            Dockerfile = context.DockerfileInContext,
            Isolation = _options.Isolation,
            RegistryCredentials = credentials,
            ImageFormat = provenance.ImageFormat,
            Timestamp = provenance.Timestamp,
            Labels = provenance.Labels,
        };

        ContextTarStats? sent = null;
        var lines = new LineAssembler(WriteBuildLine);
        try
        {
            _builtImageId = await _runtime.BuildAsync(
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

        if (sent is not null)
        {
            LogContextSent(_logger, sent.Files, sent.Bytes, sent.ExcludedEntries);
        }

        Info($"Built image {_builtImageId}");
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

    private void WriteBuildLine(string line)
    {
        var translated = StepHeaderTranslator.Translate(line);
        if (!ReferenceEquals(translated, line))
        {
            _notifier.Status($"building: {translated}");
        }

        _reporter.Write(BuildLogMessage.Stream(translated));
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

    private async Task<BuildResult> PushAsync(CancellationToken ct)
    {
        await EnterAsync(BuildPhase.Pushing, null, ct).ConfigureAwait(false);
        var imageId = _builtImageId!;
        var auth = new RegistryAuth(_spec.PushUsername, _spec.PushToken);
        var pushed = new List<string>();
        var digests = new List<string>();
        foreach (var tag in _spec.Tags)
        {
            var destination = $"{_spec.ImageRepository}:{tag}";
            var coalescer = new ProgressCoalescer(WriteProgress, TimeSpan.FromMilliseconds(500));
            try
            {
                await _runtime.TagAsync(imageId, _spec.ImageRepository, tag, ct).ConfigureAwait(false);
                Info($"Pushing {destination}");
                var digest = await Retry.RunAsync(
                    (_, token) => _runtime.PushAsync(destination, destination, auth, coalescer.OnMessage, token),
                    notice => Warn($"Pushing {destination} failed (try {notice.FailedAttempt} of {notice.MaxAttempts}): {notice.Reason}; retrying in {notice.Delay.TotalSeconds:0} s"),
                    null,
                    ct).ConfigureAwait(false);
                pushed.Add(destination);
                Info(digest is null ? $"Pushed {destination}" : $"Pushed {destination} ({digest})");
                if (digest is not null)
                {
                    digests.Add($"{_spec.ImageRepository}@{digest}");
                }
            }
            catch (PodmanException e)
            {
                throw new BuildFailure(FailureKind.Infrastructure,
                    $"Could not push {destination} to {_spec.Registry}: {e.Message}. Check that the registry is reachable from the worker and accepts pushes; re-run the build.", e);
            }
            finally
            {
                coalescer.Flush();
            }
        }

        var details = await _runtime.InspectImageAsync(imageId, ct).ConfigureAwait(false);
        Info($"Image ID: {details?.Id ?? imageId}");
        return new BuildResult(details?.Id ?? imageId, pushed, [.. digests.Distinct(StringComparer.Ordinal)]);
    }

    private async Task<BuildResult> DescribeBuiltImageAsync(CancellationToken ct)
    {
        var imageId = _builtImageId!;
        var tagged = new List<string>();
        foreach (var tag in _spec.Tags)
        {
            await _runtime.TagAsync(imageId, _spec.ImageRepository, tag, ct).ConfigureAwait(false);
            tagged.Add($"{_spec.ImageRepository}:{tag}");
        }

        var details = await _runtime.InspectImageAsync(imageId, ct).ConfigureAwait(false);
        Info($"Image ID: {details?.Id ?? imageId} (not pushed)");
        return new BuildResult(details?.Id ?? imageId, [], details?.RepoDigests ?? []);
    }

    // ---- failure and cleanup ----

    private static BuildFailure Classify(Exception e, JobAbort abort) => e switch
    {
        _ when abort.Reason is { } reason => reason,
        BuildFailure failure => failure,
        SourceException source => new BuildFailure(FailureKind.Source, source.Message, source),
        PodmanException podman => new BuildFailure(FailureKind.Infrastructure, $"The container runtime failed: {podman.Message}", podman),
        OperationCanceledException => new BuildFailure(FailureKind.Cancelled, "build cancelled", e),
        _ => new BuildFailure(FailureKind.Infrastructure, $"The worker could not use its work directory ({e.Message}): check WORK_DIR's free space and permissions.", e),
    };

    private async Task ReportFailureAsync(BuildFailure failure)
    {
        LogFailed(_logger, failure.Kind, failure.Message);
        _notifier.Status($"error: {failure.Message}");
        _reporter.Write(BuildLogMessage.Error(failure.Message));
        try
        {
            using var timeout = new CancellationTokenSource(ReportTimeout);
            await _reporter.SetPhaseAsync(BuildPhase.Error, null, timeout.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is BuildFailure or OperationCanceledException or Grpc.Core.RpcException)
        {
            // The manager may be gone (that may be why we failed); the journal still has the reason.
            LogErrorPhaseNotSet(_logger, e.Message);
        }
    }

    private async Task CleanupAsync()
    {
        // The runtime is connected before the work directory is made: without it there is nothing to clean.
        if (_runtimeConnection is null)
        {
            return;
        }

        if (_options.KeepArtifacts)
        {
            LogKept(_logger, _workDirectory ?? "(none)", _builtImageId ?? "(none)");
            return;
        }

        using var timeout = new CancellationTokenSource(CleanupTimeout);
        var images = new List<string>();
        if (_cacheImage is not null)
        {
            images.Add(_cacheImage);
        }

        images.AddRange(_pulledImages);
        if (_builtImageId is not null && !_options.KeepBuiltImage)
        {
            images.Add(_builtImageId);
        }

        foreach (var image in images)
        {
            try
            {
                await _runtime.RemoveImageAsync(image, timeout.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is PodmanException or OperationCanceledException)
            {
                LogCleanupFailed(_logger, image, e.Message);
            }
        }

        try
        {
            await _runtime.PruneDanglingImagesAsync(timeout.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is PodmanException or OperationCanceledException)
        {
            LogCleanupFailed(_logger, "dangling images", e.Message);
        }

        if (_workDirectory is not null && Directory.Exists(_workDirectory))
        {
            try
            {
                Directory.Delete(_workDirectory, recursive: true);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                LogCleanupFailed(_logger, _workDirectory, e.Message);
            }
        }
    }

    private async Task EnterAsync(BuildPhase phase, PullMetadata? metadata, CancellationToken ct)
    {
        LogPhase(_logger, phase);
        _notifier.Status(phase.ToString().ToLowerInvariant());
        await _reporter.SetPhaseAsync(phase, metadata, ct).ConfigureAwait(false);
    }

    private void Info(string line) => _reporter.Write(BuildLogMessage.Stream(line));

    private void Warn(string line)
    {
        LogWarning(_logger, line);
        _reporter.Write(BuildLogMessage.Stream("Warning: " + line));
    }

    /// <summary>A fresh 0700 directory: sources and the deploy key live here and nowhere else.</summary>
    private static string CreatePrivateDirectory(string root)
    {
        var path = Path.Combine(root, "quay-builder-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8)));
        Directory.CreateDirectory(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        return path;
    }

    private static string Relative(string root, string path)
    {
        var relative = Path.GetRelativePath(root, path);
        return relative == "." ? "/" : "/" + relative.Replace('\\', '/');
    }

    // Quay's manager keys cache lookups of `scratch` builds on this id, as the Go worker sent it.
    private const string ScratchImageId = "511136ea3c5a64f264b78b5433614aec563103b4d4702f3ba7d4d2698e22c158";

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

    [LoggerMessage(EventId = 43, Level = LogLevel.Warning, Message = "Could not set the ERROR phase: {Reason}")]
    private static partial void LogErrorPhaseNotSet(ILogger logger, string reason);

    [LoggerMessage(EventId = 44, Level = LogLevel.Warning, Message = "Cleanup of {What} failed: {Reason}")]
    private static partial void LogCleanupFailed(ILogger logger, string what, string reason);

    [LoggerMessage(EventId = 45, Level = LogLevel.Information, Message = "DEBUG: keeping work directory {Directory} and image {ImageId}")]
    private static partial void LogKept(ILogger logger, string directory, string imageId);

    [LoggerMessage(EventId = 46, Level = LogLevel.Warning, Message = "{Line}")]
    private static partial void LogWarning(ILogger logger, string line);

    [LoggerMessage(EventId = 47, Level = LogLevel.Information, Message = "Context sent to the runtime: {Files} files, {Bytes} bytes, {Excluded} entries excluded by the ignore file")]
    private static partial void LogContextSent(ILogger logger, long files, long bytes, long excluded);

    [LoggerMessage(EventId = 49, Level = LogLevel.Warning, Message = "Not every log line was delivered before the worker stopped")]
    private static partial void LogFlushTimedOut(ILogger logger);
}
