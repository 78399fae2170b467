using Polly;
using Polly.Retry;

namespace QuayBuilder.BuildContext.Tests.Packages;

/// <summary>Runs the real <see cref="PackageFetcher"/> against a loopback server.</summary>
internal static class PackageFetch
{
    public const string Signature = "topsecretsignature";

    private static readonly HttpClient Http = PackageFetcher.CreateHttpClient(SourceLimits.Default, validateServerCertificate: null);

    /// <summary>The worker's download retries (one try, two retries, linear pauses), with a pause of <paramref name="delay"/> times n.</summary>
    public static RetryStrategyOptions Retry(TimeSpan delay) => new()
    {
        MaxRetryAttempts = 2,
        BackoffType = DelayBackoffType.Linear,
        Delay = delay,
        UseJitter = false,
    };

    public static Task<FetchedPackage> RunAsync(LoopbackHttpServer server, PackageWorkspace workspace, SourceLimits? limits = null) =>
        new PackageFetcher(Http, limits ?? SourceLimits.Default, Retry(TimeSpan.FromMilliseconds(20)))
            .FetchAsync(server.Url(), workspace.Destination, workspace.Progress, CancellationToken.None);

    /// <summary>Serves <paramref name="body"/>, expects a refusal, and checks the common promises of every refusal.</summary>
    public static async Task<SourceException> RefusedAsync(byte[] body, PackageWorkspace workspace, SourceLimits? limits = null)
    {
        await using var server = LoopbackHttpServer.Serving(body);
        var error = await Assert.ThrowsAsync<SourceException>(() => RunAsync(server, workspace, limits));
        AssertNoSecret(error, workspace);
        workspace.AssertNothingWritten();
        return error;
    }

    public static void AssertNoSecret(Exception error, PackageWorkspace workspace)
    {
        Assert.DoesNotContain(Signature, error.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain(workspace.Log, line => line.Contains(Signature, StringComparison.Ordinal));
    }
}
