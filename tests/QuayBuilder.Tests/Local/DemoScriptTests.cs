using QuayBuilder.Tests.EndToEnd;

namespace QuayBuilder.Tests.Local;

/// <summary>The README's first command, run as CI runs it.</summary>
[Collection(EndToEndCollection.Name)]
public sealed class DemoScriptTests
{
    [Fact]
    public async Task Demo_WhenRunFromTheRepository_PushesTheSampleShowsItsDigestAndCleansUp()
    {
        var binary = await WorkerBinary.GetAsync();
        var state = Path.Combine(Path.GetTempPath(), "qb-demo-test-" + Guid.NewGuid().ToString("N")[..8]);

        var result = await ProcessRunner.RunAsync(Path.Combine(RepositoryRoot.Path, "scripts", "demo"), [], new Dictionary<string, string?>
        {
            ["QB_DEMO_STATE"] = state,
            // The binary the other end-to-end tests use; a fresh clone has none and publishes it.
            ["QB_WORKER_BINARY"] = binary,
        }, TimeSpan.FromMinutes(10));

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Matches(@"Digest: +127\.0\.0\.1:5055/demo/hello@sha256:[0-9a-f]{64}", result.Stdout);
        Assert.Matches(@"demo: OK: 127\.0\.0\.1:5055/demo/hello:latest pushed, digest sha256:[0-9a-f]{64}", result.Stdout);
        Assert.False(Directory.Exists(state), $"{state} was left behind");
        using var registry = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        await Assert.ThrowsAnyAsync<HttpRequestException>(() => registry.GetAsync("http://127.0.0.1:5055/v2/"));
    }
}
