using QuayBuilder.BuildContext;
using QuayBuilder.Podman;

namespace QuayBuilder.Build;

internal sealed partial class BuildJob
{
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
        string cachedImageId;
        try
        {
            Info($"Priming the cache with {reference}");
            cachedImageId = await PullOwnAsync(runtime, reference, new RegistryAuth("$token", _spec.PullToken), made, bounded.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (!ct.IsCancellationRequested && e is PodmanException or OperationCanceledException)
        {
            Warn($"Could not pull {reference} to prime the cache ({(e is OperationCanceledException ? "timed out" : e.Message)}); building without it");
            return;
        }

        await PrimeLayerCacheAsync(runtime, cachedTag, cachedImageId, made, bounded.Token, ct).ConfigureAwait(false);
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

    // Quay's manager keys cache lookups of `scratch` builds on this id, as the Go worker sent it.
    private const string ScratchImageId = "511136ea3c5a64f264b78b5433614aec563103b4d4702f3ba7d4d2698e22c158";
}
