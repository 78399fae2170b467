using QuayBuilder.Podman;

namespace QuayBuilder.Build;

internal sealed partial class BuildJob
{
    private async Task<BuildResult> PushAsync(IContainerRuntime runtime, string imageId, BuildArtifacts made, CancellationToken ct)
    {
        await EnterAsync(BuildPhase.Pushing, null, ct).ConfigureAwait(false);
        var auth = new RegistryAuth(_spec.PushUsername, _spec.PushToken);
        var pushed = new List<string>();
        var digests = new List<string>();
        string? firstDigest = null;
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
                    firstDigest ??= digest;
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

        if (firstDigest is not null)
        {
            // With the layer cache the tags name a list that holds the pushed image: that is the
            // digest a pull of the tag resolves, so it is the build's.
            var tagDigest = await PublishLayerCacheAsync(runtime, imageId, firstDigest, ct).ConfigureAwait(false);
            if (tagDigest != firstDigest)
            {
                digests = [$"{_spec.ImageRepository}@{tagDigest}"];
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
}
