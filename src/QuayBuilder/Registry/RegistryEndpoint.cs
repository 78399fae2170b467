
namespace QuayBuilder.Registry;

/// <summary>
/// Where the Registry HTTP API of a registry host is: https, except for a loopback registry that
/// does not speak TLS (a developer's or a test's plain-HTTP registry, which Podman may push to too).
/// </summary>
internal static class RegistryEndpoint
{
    private static readonly TimeSpan ProbeTimeout = TimeSpan.FromSeconds(5);

    /// <param name="registry">host[:port], as a Quay build names it.</param>
    public static async Task<Uri> ResolveAsync(HttpClient http, string registry, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(http);
        var https = new Uri($"https://{registry}/");
        if (!RegistryDigestLookup.IsLoopback(registry))
        {
            return https;
        }

        using var bounded = CancellationTokenSource.CreateLinkedTokenSource(ct);
        bounded.CancelAfter(ProbeTimeout);
        try
        {
            using var response = await http.GetAsync(new Uri(https, "v2/"), HttpCompletionOption.ResponseHeadersRead, bounded.Token).ConfigureAwait(false);
            return https;
        }
        catch (HttpRequestException)
        {
            return new Uri($"http://{registry}/");
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            return new Uri($"http://{registry}/");
        }
    }
}
