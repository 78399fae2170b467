using System.Security.Cryptography;

namespace QuayBuilder.Podman.Tests;

/// <summary>The image store views a layer cache needs: a build's intermediates and their exact configs.</summary>
[Collection(PodmanCollection.Name)]
public sealed class ImageStoreTests(PodmanFixture podman)
{
    private static readonly CancellationToken None = CancellationToken.None;

    private static StoredImage Image(string id, string? parent, params string[] tags) => new(id, parent, tags, null, DateTimeOffset.UnixEpoch);

    [Fact]
    public void UntaggedAncestors_WalksParentsNearestFirstPastDigestNamesAndStopsAtTheTaggedBase()
    {
        var images = new[]
        {
            Image("base", null, "busybox:latest"),
            Image("step1", "base", "registry.example/acme/web@sha256:" + new string('1', 64)),
            Image("step2", "step1"),
            Image("built", "step2", "app:latest"),
            Image("other", "base"),
        };

        var ancestors = ImageStore.UntaggedAncestors(images, "built");

        Assert.Equal(["step2", "step1"], ancestors.Select(image => image.Id));
    }

    [Fact]
    public void UntaggedAncestors_WhenAParentIsMissingOrTheChainLoops_StopsThere()
    {
        Assert.Equal(["a"], ImageStore.UntaggedAncestors([Image("a", "gone"), Image("built", "a")], "sha256:built").Select(image => image.Id));
        Assert.Equal(["a"], ImageStore.UntaggedAncestors([Image("a", "built"), Image("built", "a")], "built").Select(image => image.Id));
    }

    [Fact]
    public async Task ListAndReadConfigs_AfterALayeredBuild_FindTheIntermediatesAndConfigsWhoseDigestIsTheImageId()
    {
        await using var client = new PodmanClient(podman.SocketPath);
        await using var store = new ImageStore(podman.SocketPath);
        var tag = $"localhost/{TestEnvironment.Unique("qbtest-store")}:latest";
        var dockerfile = $"FROM {podman.BaseImage}\nENV STEP={Guid.NewGuid():N}\nRUN echo one > /one\nWORKDIR /app\n";
        var built = await client.BuildAsync(new BuildParameters { Tag = tag }, BuildContextTar.From(new Dictionary<string, string> { ["Dockerfile"] = dockerfile }), _ => { }, None);
        var ancestors = ImageStore.UntaggedAncestors(await store.ListAsync(None), built);
        try
        {
            Assert.Equal(2, ancestors.Count);
            var configs = await store.ReadConfigsAsync([built, .. ancestors.Select(image => image.Id)], None);

            Assert.Equal(3, configs.Count);
            Assert.All(configs, pair => Assert.Equal(pair.Key, Convert.ToHexStringLower(SHA256.HashData(pair.Value))));
        }
        finally
        {
            await client.RemoveImageAsync(built, None);
            foreach (var ancestor in ancestors)
            {
                await client.RemoveImageAsync(ancestor.Id, None);
            }
        }
    }

    [Fact]
    public async Task ReadConfigs_WhenAnImageDoesNotExist_FailsNamingTheExport()
    {
        await using var store = new ImageStore(podman.SocketPath);

        var error = await Assert.ThrowsAsync<PodmanException>(() => store.ReadConfigsAsync(["0000000000000000000000000000000000000000000000000000000000000000"], None));

        Assert.Contains("Exporting image configs failed", error.Message, StringComparison.Ordinal);
    }
}
