namespace QuayBuilder.Podman.Tests;

/// <summary>
/// CONTAINER_RUNTIME=docker. No Docker engine runs on these machines, so this drives Podman's
/// Docker-compatible endpoints (/v1.41/...) on the same socket, with a Dockerfile without RUN.
/// </summary>
[Collection(PodmanCollection.Name)]
public sealed class DockerApiClientTests(PodmanFixture podman)
{
    private static readonly CancellationToken None = CancellationToken.None;

    [Fact]
    public async Task PingAndInfo_WhenCompatApiServes_ReportDriver()
    {
        await using var client = new DockerApiClient(podman.SocketPath);

        await client.PingAsync(None);
        var info = await client.InfoAsync(None);

        Assert.Equal("vfs", info.StorageDriver);
        Assert.False(string.IsNullOrEmpty(info.Version));
    }

    [Fact]
    public async Task PullBuildTagPushRemove_WhenDockerfileHasNoRun_RegistryListsTagsAndNothingIsLeft()
    {
        await using var client = new DockerApiClient(podman.SocketPath);
        var repository = $"qbtest/{TestEnvironment.Unique("docker")}";
        var local = $"localhost/{repository}:built";

        var baseId = await client.PullAsync(podman.BaseImage, null, _ => { }, None);
        Assert.Matches("^[0-9a-f]{64}$", baseId);

        var messages = new List<PodmanMessage>();
        var context = BuildContextTar.From(new Dictionary<string, string>
        {
            ["Dockerfile"] = $"FROM {podman.BaseImage}\nCOPY app.txt /app/app.txt\nLABEL qb.test=docker-api\n",
            ["app.txt"] = "docker-api-mode\n",
        });
        var id = await client.BuildAsync(new BuildParameters { Tag = local }, context, messages.Add, None);

        try
        {
            Assert.Matches("^[0-9a-f]{64}$", id);
            Assert.Contains(messages, m => m.Stream?.Contains("COPY app.txt", StringComparison.Ordinal) == true);
            foreach (var tag in new[] { "latest", "v2" })
            {
                await client.PushAsync(local, $"{podman.Registry}/{repository}:{tag}", null, _ => { }, None);
            }

            var tags = await RegistryProbe.TagsAsync(podman.Registry, repository);
            Assert.Equal(["latest", "v2"], tags.Order(StringComparer.Ordinal));
            var details = await client.InspectImageAsync($"{podman.Registry}/{repository}:v2", None);
            Assert.NotNull(details);
            Assert.Equal(id, details.Id);
        }
        finally
        {
            await TestImages.RemoveAsync(client, id);
            await client.PruneDanglingImagesAsync(None);
        }

        Assert.Null(await client.InspectImageAsync(local, None));
        Assert.Null(await client.InspectImageAsync(id, None));
    }

    [Fact]
    public async Task Pull_WhenImageNotLocal_StreamsLayerStatusesThroughCoalescer()
    {
        await using var client = new DockerApiClient(podman.SocketPath);
        var reference = $"{podman.Registry}/qbtest/{TestEnvironment.Unique("dprogress")}:v1";
        await using (var libpod = new PodmanClient(podman.SocketPath))
        {
            await libpod.PullAsync(podman.BaseImage, null, _ => { }, None);
            await libpod.PushAsync(podman.BaseImage, reference, null, _ => { }, None);
        }

        var passed = new List<PodmanMessage>();
        var coalescer = new ProgressCoalescer(passed.Add, TimeSpan.FromMilliseconds(500));

        try
        {
            await client.PullAsync(reference, null, coalescer.OnMessage, None);
            coalescer.Flush();

            Assert.Contains(passed, m => m.Status is not null && m.Id is { Length: > 0 });
        }
        finally
        {
            await client.RemoveImageAsync(reference, None);
        }
    }

    [Fact]
    public async Task Build_WhenBaseImageMissing_ThrowsPodmanException()
    {
        await using var client = new DockerApiClient(podman.SocketPath);
        var context = BuildContextTar.From(new Dictionary<string, string>
        {
            ["Dockerfile"] = $"FROM {podman.Registry}/qbtest/no-such-base:v1\nLABEL a=b\n",
        });

        var e = await Assert.ThrowsAsync<PodmanException>(() => client.BuildAsync(
            new BuildParameters { Tag = $"localhost/{TestEnvironment.Unique("qbtest-dfail")}:latest" }, context, _ => { }, None));

        Assert.Contains("no-such-base", e.Message, StringComparison.Ordinal);
    }
}
