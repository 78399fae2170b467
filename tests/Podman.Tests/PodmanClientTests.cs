using System.Diagnostics;
using System.Text.RegularExpressions;

namespace QuayBuilder.Podman.Tests;

[Collection(PodmanCollection.Name)]
public sealed partial class PodmanClientTests(PodmanFixture podman)
{
    private static readonly CancellationToken None = CancellationToken.None;

    [Fact]
    public async Task Ping_WhenServiceRuns_Succeeds()
    {
        await using var client = new PodmanClient(podman.SocketPath);
        await client.PingAsync(None);
    }

    [Fact]
    public async Task Info_WhenServiceRuns_ReportsVersionDriverAndRuntime()
    {
        await using var client = new PodmanClient(podman.SocketPath);

        var info = await client.InfoAsync(None);

        Assert.Matches(@"^\d+\.\d+", info.Version);
        Assert.Equal("vfs", info.StorageDriver);
        Assert.Equal("runc", info.OciRuntime);
        Assert.False(info.Rootless);
    }

    [Fact]
    public async Task Ping_WhenSocketMissing_ThrowsNamingTheSocket()
    {
        await using var client = new PodmanClient("/tmp/qb-no-such-dir/podman.sock");

        var e = await Assert.ThrowsAsync<PodmanException>(() => client.PingAsync(None));

        Assert.Contains("/tmp/qb-no-such-dir/podman.sock", e.Message, StringComparison.Ordinal);
        Assert.Contains("Podman service is running", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Pull_WhenImageOnOpenRegistry_ReturnsIdThatInspectAgreesWith()
    {
        await using var client = new PodmanClient(podman.SocketPath);
        var messages = new List<PodmanMessage>();

        var id = await client.PullAsync(podman.BaseImage, auth: null, messages.Add, None);

        Assert.Matches(HexId(), id);
        Assert.Contains(messages, m => m.Stream?.Contains("Writing manifest", StringComparison.Ordinal) == true);
        var details = await client.InspectImageAsync(podman.BaseImage, None);
        Assert.NotNull(details);
        Assert.Equal(id, details.Id);
    }

    [Fact]
    public async Task Pull_WhenImageMissing_ThrowsNamingTheReference()
    {
        await using var client = new PodmanClient(podman.SocketPath);
        var reference = $"{podman.Registry}/qbtest/does-not-exist:v1";

        var e = await Assert.ThrowsAsync<PodmanException>(() => client.PullAsync(reference, null, _ => { }, None));

        Assert.StartsWith($"Pulling {reference} failed", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Build_WhenDockerfileRunsAndCopies_StreamsRunOutputAndReturnsImageId()
    {
        await using var client = new PodmanClient(podman.SocketPath);
        var tag = $"localhost/{TestEnvironment.Unique("qbtest-build")}:latest";
        var messages = new List<PodmanMessage>();
        var context = BuildContextTar.From(new Dictionary<string, string>
        {
            ["Dockerfile"] = $"FROM {podman.BaseImage}\nRUN echo built-by-run-$((40+2))\nCOPY web/index.html /srv/index.html\nRUN cat /srv/index.html\n",
            ["web/index.html"] = "copied-content-ok\n",
        });

        try
        {
            var id = await client.BuildAsync(new BuildParameters { Tag = tag }, context, messages.Add, None);

            var text = BuildOutput.Text(messages);
            Assert.Contains("\nbuilt-by-run-42\n", text, StringComparison.Ordinal);
            Assert.Contains("\ncopied-content-ok\n", text, StringComparison.Ordinal);
            Assert.Contains("\nSTEP 2/4: RUN echo", text, StringComparison.Ordinal);
            Assert.Matches(HexId(), id);
            var details = await client.InspectImageAsync(tag, None);
            Assert.NotNull(details);
            Assert.Equal(id, details.Id);
            Assert.Contains(tag, details.RepoTags);
        }
        finally
        {
            await client.RemoveImageAsync(tag, None);
        }
    }

    [Fact]
    public async Task Build_WhenRunFails_ThrowsWithPodmansStepText()
    {
        await using var client = new PodmanClient(podman.SocketPath);
        var tag = $"localhost/{TestEnvironment.Unique("qbtest-fail")}:latest";
        var messages = new List<PodmanMessage>();
        var context = BuildContextTar.From(new Dictionary<string, string>
        {
            ["Dockerfile"] = $"FROM {podman.BaseImage}\nRUN echo before-failure\nRUN false\n",
        });

        var e = await Assert.ThrowsAsync<PodmanException>(
            () => client.BuildAsync(new BuildParameters { Tag = tag }, context, messages.Add, None));

        Assert.Equal("building at STEP \"RUN false\": exit status 1", e.Message);
        Assert.Contains("\nbefore-failure\n", BuildOutput.Text(messages), StringComparison.Ordinal);
        Assert.Null(await client.InspectImageAsync(tag, None));
    }

    [Fact]
    public async Task Build_WhenDockerfileIsInSubdirectory_UsesIt()
    {
        await using var client = new PodmanClient(podman.SocketPath);
        var tag = $"localhost/{TestEnvironment.Unique("qbtest-subdir")}:latest";
        var messages = new List<PodmanMessage>();
        var context = BuildContextTar.From(new Dictionary<string, string>
        {
            ["docker/Dockerfile.web"] = $"FROM {podman.BaseImage}\nRUN echo from-subdir-dockerfile\n",
        });

        try
        {
            await client.BuildAsync(new BuildParameters { Tag = tag, Dockerfile = "docker/Dockerfile.web" }, context, messages.Add, None);

            Assert.Contains("\nfrom-subdir-dockerfile\n", BuildOutput.Text(messages), StringComparison.Ordinal);
        }
        finally
        {
            await client.RemoveImageAsync(tag, None);
        }
    }

    [Fact]
    public async Task Build_WhenContextWriterFails_ThrowsTheWritersException()
    {
        await using var client = new PodmanClient(podman.SocketPath);
        var tag = $"localhost/{TestEnvironment.Unique("qbtest-writer")}:latest";

        var e = await Assert.ThrowsAsync<InvalidDataException>(() => client.BuildAsync(
            new BuildParameters { Tag = tag },
            async (stream, ct) =>
            {
                await stream.WriteAsync(new byte[512], ct);
                throw new InvalidDataException("context member is unreadable");
            },
            _ => { },
            None));

        Assert.Equal("context member is unreadable", e.Message);
    }

    [Fact]
    public async Task TagPushInspect_WhenRegistryOpen_RegistryListsTagsAndInspectShowsDigest()
    {
        await using var client = new PodmanClient(podman.SocketPath);
        var repository = $"qbtest/{TestEnvironment.Unique("push")}";
        var local = $"localhost/{repository}:built";
        var context = BuildContextTar.From(new Dictionary<string, string>
        {
            ["Dockerfile"] = $"FROM {podman.BaseImage}\nRUN echo {repository} > /marker\n",
        });
        var id = await client.BuildAsync(new BuildParameters { Tag = local }, context, _ => { }, None);

        try
        {
            foreach (var tag in new[] { "latest", "v1" })
            {
                await client.TagAsync(id, $"{podman.Registry}/{repository}", tag, None);
                var messages = new List<PodmanMessage>();
                var digest = await client.PushAsync($"{podman.Registry}/{repository}:{tag}", $"{podman.Registry}/{repository}:{tag}", null, messages.Add, None);
                Assert.NotEmpty(messages);

                // The returned digest is the manifest the registry serves for the tag.
                using var http = new HttpClient();
                using var head = new HttpRequestMessage(HttpMethod.Head, $"http://{podman.Registry}/v2/{repository}/manifests/{tag}");
                head.Headers.Accept.ParseAdd("application/vnd.docker.distribution.manifest.v2+json");
                head.Headers.Accept.ParseAdd("application/vnd.oci.image.manifest.v1+json");
                using var served = await http.SendAsync(head);
                Assert.StartsWith("sha256:", digest, StringComparison.Ordinal);
                Assert.Equal(served.Headers.GetValues("Docker-Content-Digest").Single(), digest);
            }

            var tags = await RegistryProbe.TagsAsync(podman.Registry, repository);
            Assert.Equal(["latest", "v1"], tags.Order(StringComparer.Ordinal));
            var details = await client.InspectImageAsync($"{podman.Registry}/{repository}:v1", None);
            Assert.NotNull(details);
            Assert.Equal(id, details.Id);
            Assert.Contains(details.RepoDigests, d => d.StartsWith($"{podman.Registry}/{repository}@sha256:", StringComparison.Ordinal));
        }
        finally
        {
            await TestImages.RemoveAsync(client, id);
        }
    }

    [Fact]
    public async Task Push_WhenRegistryUnreachable_ThrowsNamingDestination()
    {
        await using var client = new PodmanClient(podman.SocketPath);
        await client.PullAsync(podman.BaseImage, null, _ => { }, None);
        var destination = $"127.0.0.1:{LoopbackPort.Free()}/qbtest/nowhere:v1";

        try
        {
            var e = await Assert.ThrowsAsync<PodmanException>(
                () => client.PushAsync(podman.BaseImage, destination, new RegistryAuth("user", "pw-not-in-message"), _ => { }, None));

            Assert.StartsWith($"Pushing {destination} failed", e.Message, StringComparison.Ordinal);
            Assert.DoesNotContain("pw-not-in-message", e.ToString(), StringComparison.Ordinal);
        }
        finally
        {
            // The push tagged the base with the destination first. Left there, that second name
            // turns a later "remove the base" on the run's shared service into a mere untag.
            await client.RemoveImageAsync(destination, None);
        }
    }

    [Fact]
    public async Task RemoveAndPrune_WhenImagesBuilt_LeaveNoImageBehind()
    {
        await using var client = new PodmanClient(podman.SocketPath);
        var tag = $"localhost/{TestEnvironment.Unique("qbtest-rm")}:latest";
        var id1 = await client.BuildAsync(
            new BuildParameters { Tag = tag },
            BuildContextTar.From(new Dictionary<string, string> { ["Dockerfile"] = $"FROM {podman.BaseImage}\nRUN echo one > /f\n" }),
            _ => { },
            None);
        // Building the same tag again leaves the first image dangling (untagged).
        var id2 = await client.BuildAsync(
            new BuildParameters { Tag = tag },
            BuildContextTar.From(new Dictionary<string, string> { ["Dockerfile"] = $"FROM {podman.BaseImage}\nRUN echo two > /f\n" }),
            _ => { },
            None);
        Assert.NotEqual(id1, id2);
        Assert.NotNull(await client.InspectImageAsync(id1, None));

        await client.RemoveImageAsync(tag, None);
        await client.PruneDanglingImagesAsync(None);

        Assert.Null(await client.InspectImageAsync(id2, None));
        Assert.Null(await client.InspectImageAsync(id1, None));
    }

    [Fact]
    public async Task RemoveAndInspect_WhenImageMissing_AreNotErrors()
    {
        await using var client = new PodmanClient(podman.SocketPath);

        await client.RemoveImageAsync("localhost/qbtest-never-existed:v9", None);

        Assert.Null(await client.InspectImageAsync("localhost/qbtest-never-existed:v9", None));
    }

    [Fact]
    public async Task Build_WhenTokenCancelled_ReturnsPromptlyAndNoImageIsCreated()
    {
        // On a service the worker did not start, cancelling closes the request. Measured on
        // Podman 4.3.1: the running RUN continues to its own end, then Podman abandons the
        // build — no image, no working container (docs/adr/0005-build-cancellation.md).
        await using var client = new PodmanClient(podman.SocketPath);
        var tag = $"localhost/{TestEnvironment.Unique("qbtest-cancel")}:latest";
        var started = new TaskCompletionSource();
        using var cts = new CancellationTokenSource();
        var context = BuildContextTar.From(new Dictionary<string, string>
        {
            ["Dockerfile"] = $"FROM {podman.BaseImage}\nRUN echo started-$((1+1)) && sleep 4 && echo woke\nRUN echo second-step\n",
        });

        var build = client.BuildAsync(new BuildParameters { Tag = tag }, context, m =>
        {
            if (m.Stream?.Contains("started-2", StringComparison.Ordinal) == true)
            {
                started.TrySetResult();
            }
        }, cts.Token);
        await started.Task.WaitAsync(TimeSpan.FromSeconds(60));
        var watch = Stopwatch.StartNew();
        await cts.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => build);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(2), $"cancel took {watch.Elapsed}");
        await Task.Delay(TimeSpan.FromSeconds(8));
        Assert.Null(await client.InspectImageAsync(tag, None));
    }

    [GeneratedRegex("^[0-9a-f]{64}$")]
    private static partial Regex HexId();
}
