using QuayBuilder.BuildContext;
using QuayBuilder.Podman;
using QuayBuilder.Registry;

namespace QuayBuilder.Build;

/// <summary>
/// The layer cache's two calls in a build (docs/adr/0013-layer-cache.md): prime after the cached
/// tag's pull, publish after the push. Podman only (the Docker Engine API has no libpod image list
/// or export, and Docker builds do not keep buildah's intermediate images): with another runtime,
/// or <c>LAYER_CACHE=false</c>, nothing happens and nothing is said. Each call ends in exactly one
/// log line, an Info with what it cost or one Warning; neither ever fails the build.
/// </summary>
internal sealed partial class BuildJob
{
    private bool CacheEnabled(IContainerRuntime runtime) => _options.LayerCache && runtime is PodmanClient;

    /// <summary>Pulls the intermediates the cached tag's list names; they are this build's to remove.</summary>
    private async Task PrimeLayerCacheAsync(IContainerRuntime runtime, string cachedTag, string cachedImageId, BuildArtifacts made, CancellationToken bounded, CancellationToken ct)
    {
        if (!CacheEnabled(runtime))
        {
            return;
        }

        var report = await WithLayerCacheAsync(
            runtime, new RegistryAuth("$token", _spec.PullToken), push: false,
            (cache, token) => cache.PrimeAsync(cachedTag, new RegistryAuth("$token", _spec.PullToken), token),
            "primed", bounded, ct).ConfigureAwait(false);
        if (report is null)
        {
            return;
        }

        made.AddPulledUnder(cachedImageId, report.Pulled);
        if (report.Succeeded)
        {
            if (report.Images > 0)
            {
                Info(report.Describe("primed") + $", plus {report.Images} image pulls by Podman (manifests and configs; the layers came with {cachedTag})");
            }
        }
        else
        {
            Warn(report.Describe("primed"));
        }
    }

    /// <summary>
    /// Publishes the build's intermediates and points every tag at the list; returns the digest the
    /// tags now name, or <paramref name="pushedDigest"/> when the cache was not published.
    /// </summary>
    private async Task<string> PublishLayerCacheAsync(IContainerRuntime runtime, string imageId, string pushedDigest, CancellationToken ct)
    {
        if (!CacheEnabled(runtime))
        {
            return pushedDigest;
        }

        var report = await WithLayerCacheAsync(
            runtime, new RegistryAuth(_spec.PushUsername, _spec.PushToken), push: true,
            (cache, token) => cache.PublishAsync(imageId, pushedDigest, _spec.Tags, token),
            "published", ct, ct).ConfigureAwait(false);
        if (report is null)
        {
            return pushedDigest;
        }

        if (!report.Succeeded || report.ListDigest is null)
        {
            Warn(report.Describe("published") + $"; the tags name the plain image {pushedDigest}");
            return pushedDigest;
        }

        Info(report.Describe("published"));
        Info(report.DescribeTags(_spec.Tags, pushedDigest));
        return report.ListDigest;
    }

    /// <summary>Makes the cache's clients for one call; anything that fails before the call is the call's one warning.</summary>
    private async Task<LayerCacheReport?> WithLayerCacheAsync(
        IContainerRuntime runtime, RegistryAuth credentials, bool push, Func<LayerCache, CancellationToken, Task<LayerCacheReport>> call, string action,
        CancellationToken bounded, CancellationToken ct)
    {
        var socket = ((PodmanClient)runtime).SocketPath;
        try
        {
            using var http = PackageFetcher.CreateHttpClient(_options.SourceLimits, _options.Trust.ValidationCallback);
            var registryBase = await RegistryEndpoint.ResolveAsync(http, _spec.Registry, bounded).ConfigureAwait(false);
            var registry = new RegistryClient(http, registryBase, _spec.Repository, string.IsNullOrEmpty(credentials.Password) ? null : credentials, push);
            var store = new ImageStore(socket);
            await using (store.ConfigureAwait(false))
            {
                var cache = new LayerCache(runtime, store, registry, _spec.ImageRepository, _options.LayerCacheTimeout);
                return await call(cache, bounded).ConfigureAwait(false);
            }
        }
        catch (Exception e) when (!ct.IsCancellationRequested && e is OperationCanceledException or SourceException or IOException)
        {
            Warn($"Layer cache not {action}: {e.Message.TrimEnd('.')}; the build itself is unaffected");
            return null;
        }
    }
}
