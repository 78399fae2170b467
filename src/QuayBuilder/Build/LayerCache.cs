using System.Diagnostics;
using System.Text.Json;
using QuayBuilder.Podman;
using QuayBuilder.Registry;

namespace QuayBuilder.Build;

/// <summary>
/// A layer cache that survives ephemeral builders (docs/adr/0013-layer-cache.md). After a push,
/// <see cref="PublishAsync"/> stores the build's intermediate images in the build's own repository,
/// untagged, and rewrites each pushed tag as a manifest list (an OCI image index for an OCI-format
/// build): the built image for its platform, followed by the intermediates as
/// <c>unknown/unknown</c> entries that no client pulls by platform.
/// Before a build, <see cref="PrimeAsync"/> reads the cached tag's list and pulls those entries by
/// digest into the local store, where buildah's own layer cache finds them by history.
/// </summary>
/// <remarks>
/// Every intermediate's config is buildah's own (exact bytes, checked against the image id); only
/// its manifest is written here, in the pushed manifest's own format (buildah reuses an image only
/// when its manifest type is the build's output format), and its layers are the pushed image's
/// compressed layers, so the
/// cache costs configs and manifests, not layers. Best-effort and time-bounded: any failure ends the
/// step with a <see cref="LayerCacheReport.Warning"/>, never an exception, and the pushed tags keep
/// the image Podman pushed. Only the final stage's chain is cached: other stages' layers are not in
/// the pushed image.
/// </remarks>
internal sealed class LayerCache(IContainerRuntime runtime, ImageStore store, RegistryClient registry, string imageRepository, TimeSpan timeout)
{
    /// <summary>Platform that marks an entry as cache, as BuildKit marks attestations; clients skip it.</summary>
    private const string Unknown = "unknown";

    /// <summary>More steps than this are left out: a pull per step has to stay cheaper than the steps.</summary>
    internal const int MaxImages = 64;

    /// <summary>
    /// Publishes the intermediates of <paramref name="builtImageId"/>, pushed as manifest
    /// <paramref name="pushedDigest"/>, and points each of <paramref name="tags"/> at a list of them.
    /// On success the report's <see cref="LayerCacheReport.ListDigest"/> is what the tags now name.
    /// </summary>
    public async Task<LayerCacheReport> PublishAsync(string builtImageId, string pushedDigest, IReadOnlyList<string> tags, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(tags);
        var clock = Stopwatch.StartNew();
        var published = 0;
        using var bounded = CancellationTokenSource.CreateLinkedTokenSource(ct);
        bounded.CancelAfter(timeout);
        try
        {
            var images = await store.ListAsync(bounded.Token).ConfigureAwait(false);
            // Oldest first: a step is reusable only when every step before it is, so a long chain keeps its start.
            var ancestors = ImageStore.UntaggedAncestors(images, builtImageId).Reverse().Take(MaxImages).ToList();
            if (ancestors.Count == 0)
            {
                return Report(0, clock, "the build left no intermediate images (was it built with layers?)");
            }

            var built = builtImageId.StartsWith("sha256:", StringComparison.Ordinal) ? builtImageId["sha256:".Length..] : builtImageId;
            var configs = await store.ReadConfigsAsync([built, .. ancestors.Select(image => image.Id)], bounded.Token).ConfigureAwait(false);
            if (!configs.TryGetValue(built, out var builtConfig))
            {
                return Report(0, clock, "the built image's config could not be read exactly from the local store");
            }

            var pushed = await registry.GetManifestAsync(pushedDigest, bounded.Token).ConfigureAwait(false);
            if (pushed is null || !MediaTypes.IsImage(pushed.MediaType))
            {
                return Report(0, clock, $"the registry does not hold the pushed image {pushedDigest} as an image manifest");
            }

            var pushedImage = ImageManifest.Parse(pushed.Bytes);
            var builtRoot = ImageConfigFacts.Parse(builtConfig);
            if (pushedImage.Layers.Count != builtRoot.DiffIds.Count)
            {
                return Report(0, clock, $"the pushed manifest has {pushedImage.Layers.Count} layers but the image {builtRoot.DiffIds.Count}");
            }

            var entries = new List<Descriptor>();
            foreach (var image in ancestors)
            {
                if (!configs.TryGetValue(image.Id, out var config))
                {
                    continue;
                }

                var facts = ImageConfigFacts.Parse(config);
                if (facts.DiffIds.Count == 0 || facts.DiffIds.Count > builtRoot.DiffIds.Count || !facts.DiffIds.SequenceEqual(builtRoot.DiffIds.Take(facts.DiffIds.Count)))
                {
                    // Not a step of the pushed image's own chain: its layers are not in the registry.
                    continue;
                }

                var configDigest = RegistryClient.Digest(config);
                if (!await registry.BlobExistsAsync(configDigest, bounded.Token).ConfigureAwait(false))
                {
                    await registry.UploadBlobAsync(config, bounded.Token).ConfigureAwait(false);
                }

                var manifest = ImageManifest.Write(pushed.MediaType, pushedImage.ConfigMediaType, configDigest, config.Length, pushedImage.Layers.Take(facts.DiffIds.Count));
                var digest = await registry.PutManifestAsync(RegistryClient.Digest(manifest), manifest, pushed.MediaType, bounded.Token).ConfigureAwait(false);
                entries.Add(new Descriptor(pushed.MediaType, digest, manifest.Length, Unknown, Unknown));
                published++;
            }

            if (entries.Count == 0)
            {
                return Report(0, clock, "none of the intermediate images belongs to the pushed image's chain");
            }

            var listType = pushed.MediaType == MediaTypes.DockerManifest ? MediaTypes.DockerManifestList : MediaTypes.OciIndex;
            var list = ImageManifest.WriteList(listType, [new Descriptor(pushed.MediaType, pushed.Digest, pushed.Bytes.Length, builtRoot.Os, builtRoot.Architecture), .. entries]);
            foreach (var tag in tags)
            {
                await registry.PutManifestAsync(tag, list, listType, bounded.Token).ConfigureAwait(false);
            }

            return Report(published, clock, null) with { ListDigest = RegistryClient.Digest(list), ListMediaType = listType };
        }
        catch (Exception e) when (IsCacheFailure(e, ct))
        {
            return Report(published, clock, Reason(e));
        }
    }

    /// <summary>
    /// Pulls the intermediate images the list at <paramref name="tag"/> names, by digest. The tag's
    /// own image is left to the caller's ordinary pull. A tag that names a plain image (pushed
    /// without the cache) primes nothing and is no warning. The report's
    /// <see cref="LayerCacheReport.Pulled"/> holds the ids of the images this call brought into a store
    /// that did not have them, oldest first: the caller's to remove.
    /// </summary>
    public async Task<LayerCacheReport> PrimeAsync(string tag, RegistryAuth? pullAuth, CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        var pulled = new List<string>();
        using var bounded = CancellationTokenSource.CreateLinkedTokenSource(ct);
        bounded.CancelAfter(timeout);
        try
        {
            var manifest = await registry.GetManifestAsync(tag, bounded.Token).ConfigureAwait(false);
            if (manifest is null)
            {
                return Report(0, clock, $"the registry has no tag {tag}");
            }

            if (!MediaTypes.IsList(manifest.MediaType))
            {
                return Report(0, clock, null);
            }

            var entries = ImageManifest.ParseList(manifest.Bytes)
                .Where(entry => entry.Os == Unknown && entry.Architecture == Unknown && MediaTypes.IsImage(entry.MediaType))
                .Take(MaxImages)
                .ToList();
            foreach (var entry in entries)
            {
                var reference = $"{imageRepository}@{entry.Digest}";
                bool present = await runtime.InspectImageAsync(reference, bounded.Token).ConfigureAwait(false) is not null;
                var id = await runtime.PullAsync(reference, pullAuth, _ => { }, bounded.Token).ConfigureAwait(false);
                if (!present)
                {
                    pulled.Add(id);
                }
            }

            return Report(entries.Count, clock, null) with { Pulled = pulled };
        }
        catch (Exception e) when (IsCacheFailure(e, ct))
        {
            return Report(pulled.Count, clock, Reason(e)) with { Pulled = pulled };
        }
    }

    private LayerCacheReport Report(int images, Stopwatch clock, string? warning) =>
        new(images, registry.Traffic.Requests, registry.Traffic.BytesSent, registry.Traffic.BytesReceived, clock.Elapsed, warning);

    /// <summary>Everything the cache can meet except the caller's own cancellation, which must propagate.</summary>
    private static bool IsCacheFailure(Exception e, CancellationToken ct) =>
        e is RegistryException or PodmanException or JsonException or InvalidDataException or HttpRequestException
        || (e is OperationCanceledException && !ct.IsCancellationRequested);

    private string Reason(Exception e) => e is OperationCanceledException
        ? $"it took longer than {timeout.TotalSeconds:0} s"
        : e.Message.TrimEnd('.');
}
