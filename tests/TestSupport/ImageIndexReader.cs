using System.Net.Http.Headers;
using System.Text.Json;

namespace QuayBuilder.TestSupport;

/// <summary>
/// With the layer cache (ADR 0013) a pushed tag names a manifest list or OCI image index whose
/// first entry with a real platform is the built image: what a registry client must accept and
/// follow to read the image, as podman and docker do.
/// </summary>
public static class ImageIndexReader
{
    /// <summary>Accepts image manifests and lists alike (docker-registry answers 404 for an OCI index a request does not accept).</summary>
    public static void AcceptAll(HttpRequestMessage request)
    {
        ArgumentNullException.ThrowIfNull(request);
        foreach (var type in new[]
        {
            "application/vnd.oci.image.manifest.v1+json",
            "application/vnd.docker.distribution.manifest.v2+json",
            "application/vnd.oci.image.index.v1+json",
            "application/vnd.docker.distribution.manifest.list.v2+json",
        })
        {
            request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue(type));
        }
    }

    /// <summary>The image manifest: <paramref name="manifest"/> itself, or the image entry of the list it is.</summary>
    public static async Task<JsonDocument> ImageAsync(HttpClient http, string repository, JsonDocument manifest)
    {
        ArgumentNullException.ThrowIfNull(http);
        ArgumentNullException.ThrowIfNull(manifest);
        if (!manifest.RootElement.TryGetProperty("manifests", out var entries))
        {
            return manifest;
        }

        var image = entries.EnumerateArray().First(e => !e.TryGetProperty("platform", out var p) || p.GetProperty("os").GetString() != "unknown");
        using var request = new HttpRequestMessage(HttpMethod.Get, $"v2/{repository}/manifests/{image.GetProperty("digest").GetString()}");
        AcceptAll(request);
        using var response = await http.SendAsync(request);
        response.EnsureSuccessStatusCode();
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync());
    }
}
