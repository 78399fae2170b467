using QuayBuilder.Protocol;

namespace QuayBuilder.Tests.EndToEnd;

/// <summary>Cache priming through DetermineCachedTag, and what is left behind after a build (issue 5).</summary>
[Collection(EndToEndCollection.Name)]
public sealed class CacheAndCleanupTests
{
    // One step: Podman 4.3 finds a cached step only in an image whose top layer is that step, and
    // a pulled image brings no intermediate images, so only a build's last step can hit the
    // primed cache (and only if every step before it hit too).
    private static async Task<byte[]> PackageAsync(string runLine)
    {
        var services = await TestServices.GetAsync();
        return BuildPackages.TarGz(new Dictionary<string, string> { ["Dockerfile"] = $"FROM {services.BaseImage}\nRUN {runLine}\n" });
    }

    [Fact]
    public async Task Worker_WhenTheManagerOffersACachedTag_PrimesTheCacheAndTheBuildReusesItsLayers()
    {
        var package = await PackageAsync("echo expensive-step-" + Guid.NewGuid().ToString("N")[..8] + " > /cached.txt");
        var repository = "e2e/cache-" + Guid.NewGuid().ToString("N")[..8];
        await using (var first = await WorkerRun.CreateAsync(p => p.Add("first.tar.gz", package), repository: repository))
        {
            // Provenance labels are LABEL steps after the last one, so the pushed image's history
            // no longer ends with the RUN step and this path loses its one possible hit
            // (docs/adr/0012-reproducible-images.md); what is tested here is the priming itself.
            first.Environment["PROVENANCE_LABELS"] = "false";
            var firstResult = await first.RunAsync();
            Assert.True(firstResult.ExitCode == 0, firstResult.ToString());
            Assert.DoesNotContain(first.Manager.LogLines, l => l.Text.Contains("Using cache", StringComparison.Ordinal));
        }

        // The first build's images were cleaned up: only the primed cache can give the layers back.
        await using var second = await WorkerRun.CreateAsync(p => p.Add("second.tar.gz", package), repository: repository);
        second.Manager.CachedTag = "latest";
        second.Environment["PROVENANCE_LABELS"] = "false";
        var result = await second.RunAsync();

        Assert.True(result.ExitCode == 0, result.ToString());
        var request = Assert.Single(second.Manager.CachedTagRequests);
        var baseImage = second.Services.BaseImage;
        Assert.Equal(baseImage[..baseImage.LastIndexOf(':')], request.BaseImageName);
        Assert.Equal("latest", request.BaseImageTag);
        Assert.Matches("^(sha256:)?[0-9a-f]{64}$", request.BaseImageId);
        Assert.Contains(second.Manager.LogLines, l => l.Text == $"Priming the cache with {second.Services.Registry}/{repository}:latest\n");
        Assert.True(second.Manager.LogLines.Any(l => l.Text.Contains("Using cache", StringComparison.Ordinal)),
            string.Join("", second.Manager.LogLines.Select(l => l.Text)));
        Assert.Equal(Phase.Complete, second.Manager.PhaseSequence[^1]);
        Assert.DoesNotContain(await PodmanImages.NamesAsync(second.Services.PodmanSocket), n => n.Contains(repository, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Worker_WhenTheCachedTagCannotBePulled_WarnsOnceAndStillBuilds()
    {
        var package = await PackageAsync("echo no-cache-here");
        await using var run = await WorkerRun.CreateAsync(p => p.Add("build.tar.gz", package));
        run.Manager.CachedTag = "no-such-tag";

        var result = await run.RunAsync();

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal(Phase.Complete, run.Manager.PhaseSequence[^1]);
        var warning = Assert.Single(run.Manager.LogLines, l => l.Text.StartsWith("Warning: Could not pull ", StringComparison.Ordinal));
        Assert.Contains(":no-such-tag", warning.Text, StringComparison.Ordinal);
        Assert.DoesNotContain(run.Manager.LogLines, l => l.Key == "error");
    }

    [Fact]
    public async Task Worker_AfterABuild_LeavesNoImagesOrDirectories_ButDebugKeepsThem()
    {
        var package = await PackageAsync("echo cleanup-check");
        await using (var run = await WorkerRun.CreateAsync(p => p.Add("build.tar.gz", package)))
        {
            // The base is this build's to remove only if it pulled it: the service is shared.
            await PodmanImages.RemoveAsync(run.Services.PodmanSocket, run.Services.BaseImage);
            bool baseWasThere = await PodmanImages.ExistsAsync(run.Services.PodmanSocket, run.Services.BaseImage);
            var result = await run.RunAsync();
            Assert.True(result.ExitCode == 0, result.ToString());
            var names = await PodmanImages.NamesAsync(run.Services.PodmanSocket);
            Assert.DoesNotContain(names, n => n.Contains(run.Repository, StringComparison.Ordinal));
            if (!baseWasThere)
            {
                Assert.DoesNotContain(names, n => n == run.Services.BaseImage);
            }

            var imageId = run.Manager.LogLines.Single(l => l.Text.StartsWith("Image ID: ", StringComparison.Ordinal)).Text["Image ID: ".Length..].Trim();
            Assert.False(await PodmanImages.ExistsAsync(run.Services.PodmanSocket, imageId), "the built image was removed");
            Assert.Empty(Directory.EnumerateFileSystemEntries(run.WorkRoot));
        }

        await using var debug = await WorkerRun.CreateAsync(p => p.Add("build.tar.gz", package));
        debug.Environment["DEBUG"] = "true";
        var kept = await debug.RunAsync();
        Assert.True(kept.ExitCode == 0, kept.ToString());
        try
        {
            Assert.Contains(await PodmanImages.NamesAsync(debug.Services.PodmanSocket), n => n.StartsWith($"{debug.Services.Registry}/{debug.Repository}:", StringComparison.Ordinal));
            Assert.NotEmpty(Directory.EnumerateFileSystemEntries(debug.WorkRoot));
            Assert.Contains("storage vfs", kept.Stderr, StringComparison.Ordinal);
        }
        finally
        {
            await PodmanImages.RemoveAsync(debug.Services.PodmanSocket, $"{debug.Services.Registry}/{debug.Repository}:latest");
            await PodmanImages.RemoveAsync(debug.Services.PodmanSocket, debug.Services.BaseImage);
        }
    }
}
