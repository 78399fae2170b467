namespace QuayBuilder.Podman.Tests;

/// <summary>Layer reuse: what cache priming (pull the previous build, then build) relies on.</summary>
[Collection(PodmanCollection.Name)]
public sealed class BuildCacheTests(PodmanFixture podman)
{
    private static readonly CancellationToken None = CancellationToken.None;

    [Fact]
    public async Task Build_WhenSameDockerfileBuiltTwice_SecondReportsUsingCache()
    {
        await using var client = new PodmanClient(podman.SocketPath);
        var tag = $"localhost/{TestEnvironment.Unique("qbtest-cache")}:latest";
        var dockerfile = $"FROM {podman.BaseImage}\nRUN echo cache-step-{Guid.NewGuid():N}\n";
        var second = new List<PodmanMessage>();

        try
        {
            await client.BuildAsync(new BuildParameters { Tag = tag }, BuildContextTar.From(new Dictionary<string, string> { ["Dockerfile"] = dockerfile }), _ => { }, None);
            await client.BuildAsync(new BuildParameters { Tag = tag }, BuildContextTar.From(new Dictionary<string, string> { ["Dockerfile"] = dockerfile }), second.Add, None);

            var text = BuildOutput.Text(second);
            Assert.Contains("\n--> Using cache ", text, StringComparison.Ordinal);
            Assert.DoesNotContain("\ncache-step-", text, StringComparison.Ordinal);
        }
        finally
        {
            await client.RemoveImageAsync(tag, None);
            await client.PruneDanglingImagesAsync(None);
        }
    }

    [Fact]
    public async Task Build_WhenPreviousBuildWasPushedRemovedAndPulledBack_ReusesItsLastLayer()
    {
        await using var client = new PodmanClient(podman.SocketPath);
        var repository = $"{podman.Registry}/qbtest/{TestEnvironment.Unique("primed")}";
        var dockerfile = $"FROM {podman.BaseImage}\nRUN echo primed-step-{Guid.NewGuid():N}\n";
        var first = await client.BuildAsync(
            new BuildParameters { Tag = $"{repository}:latest" }, BuildContextTar.From(new Dictionary<string, string> { ["Dockerfile"] = dockerfile }), _ => { }, None);
        await client.PushAsync($"{repository}:latest", $"{repository}:latest", null, _ => { }, None);
        await client.RemoveImageAsync(first, None);
        await client.PruneDanglingImagesAsync(None);
        Assert.Null(await client.InspectImageAsync($"{repository}:latest", None));
        var messages = new List<PodmanMessage>();

        try
        {
            await client.PullAsync($"{repository}:latest", null, _ => { }, None);
            await client.BuildAsync(
                new BuildParameters { Tag = $"{repository}:next" }, BuildContextTar.From(new Dictionary<string, string> { ["Dockerfile"] = dockerfile }), messages.Add, None);

            Assert.Contains("\n--> Using cache ", BuildOutput.Text(messages), StringComparison.Ordinal);
        }
        finally
        {
            await client.RemoveImageAsync($"{repository}:next", None);
            await client.RemoveImageAsync($"{repository}:latest", None);
        }
    }
}
