namespace QuayBuilder.Podman.Tests;

/// <summary>Credentials and retries against registries only the private service trusts.</summary>
[Collection(PrivatePodmanCollection.Name)]
public sealed class PrivateRegistryTests(PrivatePodmanFixture podman)
{
    private static readonly CancellationToken None = CancellationToken.None;

    [Fact]
    public async Task Pull_WhenPrivateRegistryAndCredentials_ReturnsImageId()
    {
        await using var client = new PodmanClient(podman.SocketPath);
        await client.RemoveImageAsync(podman.PrivateBase, None);

        var id = await client.PullAsync(podman.PrivateBase, podman.Credentials, _ => { }, None);

        Assert.Matches("^[0-9a-f]{64}$", id);
        Assert.NotNull(await client.InspectImageAsync(podman.PrivateBase, None));
    }

    [Fact]
    public async Task Pull_WhenPrivateRegistryWithoutCredentials_ThrowsWithoutLeakingAnything()
    {
        await using var client = new PodmanClient(podman.SocketPath);
        await client.RemoveImageAsync(podman.PrivateOther, None);

        var e = await Assert.ThrowsAsync<PodmanException>(() => client.PullAsync(podman.PrivateOther, null, _ => { }, None));

        Assert.StartsWith($"Pulling {podman.PrivateOther} failed", e.Message, StringComparison.Ordinal);
        Assert.Contains("unauthorized", e.Message, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task Pull_WhenPasswordWrong_ThrowsAndMessageHasNoPassword()
    {
        await using var client = new PodmanClient(podman.SocketPath);
        await client.RemoveImageAsync(podman.PrivateOther, None);

        var e = await Assert.ThrowsAsync<PodmanException>(
            () => client.PullAsync(podman.PrivateOther, new RegistryAuth(PrivatePodmanFixture.Username, "wrong-pass-91c2"), _ => { }, None));

        Assert.DoesNotContain("wrong-pass-91c2", e.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Build_WhenEveryStageBaseIsPrivate_PullsThemWithRegistryCredentials()
    {
        await using var client = new PodmanClient(podman.SocketPath);
        await client.RemoveImageAsync(podman.PrivateBase, None);
        await client.RemoveImageAsync(podman.PrivateOther, None);
        var tag = $"localhost/{TestEnvironment.Unique("qbtest-multistage")}:latest";
        var messages = new List<PodmanMessage>();
        var context = BuildContextTar.From(new Dictionary<string, string>
        {
            ["Dockerfile"] = $"FROM {podman.PrivateOther} AS builder\nRUN echo from-private-stage > /artifact\n" +
                             $"FROM {podman.PrivateBase}\nCOPY --from=builder /artifact /artifact\nRUN cat /artifact\n",
        });
        var parameters = new BuildParameters
        {
            Tag = tag,
            RegistryCredentials = new Dictionary<string, RegistryAuth> { [podman.AuthRegistry] = podman.Credentials },
        };

        try
        {
            await client.BuildAsync(parameters, context, messages.Add, None);

            Assert.Contains("\nfrom-private-stage\n", BuildOutput.Text(messages), StringComparison.Ordinal);
        }
        finally
        {
            await client.RemoveImageAsync(tag, None);
        }
    }

    [Fact]
    public async Task Build_WhenPrivateBaseAndNoCredentials_Fails()
    {
        await using var client = new PodmanClient(podman.SocketPath);
        await client.RemoveImageAsync(podman.PrivateOther, None);
        var context = BuildContextTar.From(new Dictionary<string, string>
        {
            ["Dockerfile"] = $"FROM {podman.PrivateOther}\nRUN true\n",
        });

        var e = await Assert.ThrowsAsync<PodmanException>(() => client.BuildAsync(
            new BuildParameters { Tag = $"localhost/{TestEnvironment.Unique("qbtest-noauth")}:latest" }, context, _ => { }, None));

        Assert.Contains("unauthorized", e.Message, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task Push_WhenRegistryAnswers503ToFirstTry_RetrySucceedsAndReportsOneRetry()
    {
        await using var client = new PodmanClient(podman.SocketPath);
        await client.PullAsync(podman.BaseImage, null, _ => { }, None);
        var repository = $"qbtest/{TestEnvironment.Unique("retry")}";
        var destination = $"{podman.ProxyRegistry}/{repository}:v1";
        var notices = new List<RetryNotice>();
        var policy = new RetryPolicy { Attempts = 3, InitialDelay = TimeSpan.FromMilliseconds(200), RateLimitedDelay = TimeSpan.FromSeconds(30), MaxDelay = TimeSpan.FromSeconds(120) };
        var attempt = 0;

        try
        {
            await Retry.Pipeline(policy, notices.Add).ExecuteAsync(
                async ct =>
                {
                    // The whole first try meets 503s (Podman retries a little on its own), the second none.
                    podman.Proxy.FailWith = ++attempt == 1 ? "503 Service Unavailable" : null;
                    await client.PushAsync(podman.BaseImage, destination, null, _ => { }, ct);
                },
                None);
        }
        finally
        {
            podman.Proxy.FailWith = null;
        }

        var notice = Assert.Single(notices);
        Assert.Contains("503", notice.Reason, StringComparison.Ordinal);
        Assert.True(podman.Proxy.FailedRequests > 0);
        Assert.Equal(["v1"], await RegistryProbe.TagsAsync(podman.OpenRegistry, repository));
    }

    [Fact]
    public async Task Push_WhenRegistryRateLimits_RetryWaitsTheRateLimitDelay()
    {
        await using var client = new PodmanClient(podman.SocketPath);
        await client.PullAsync(podman.BaseImage, null, _ => { }, None);
        var repository = $"qbtest/{TestEnvironment.Unique("ratelimit")}";
        var notices = new List<RetryNotice>();
        var policy = new RetryPolicy { Attempts = 3, InitialDelay = TimeSpan.FromMilliseconds(100), RateLimitedDelay = TimeSpan.FromMilliseconds(1500), MaxDelay = TimeSpan.FromSeconds(120) };
        var attempt = 0;
        // Podman honours Retry-After in its own 429 retries; 1 s keeps them short.
        podman.Proxy.RetryAfter = "1";

        try
        {
            await Retry.Pipeline(policy, notices.Add).ExecuteAsync(
                async ct =>
                {
                    podman.Proxy.FailWith = ++attempt == 1 ? "429 Too Many Requests" : null;
                    await client.PushAsync(podman.BaseImage, $"{podman.ProxyRegistry}/{repository}:v1", null, _ => { }, ct);
                },
                None);
        }
        finally
        {
            podman.Proxy.FailWith = null;
            podman.Proxy.RetryAfter = null;
        }

        var notice = Assert.Single(notices);
        // Podman words a 429 as "too many requests to registry", after its own retries.
        Assert.Contains("too many requests", notice.Reason, StringComparison.OrdinalIgnoreCase);
        Assert.Equal(TimeSpan.FromMilliseconds(1500), notice.Delay);
    }
}
