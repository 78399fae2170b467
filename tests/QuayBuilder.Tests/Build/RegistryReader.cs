using System.Formats.Tar;
using System.IO.Compression;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace QuayBuilder.Tests.Build;

/// <summary>Reads what a tag names in the plain-HTTP test registry: its manifest, the image in a list, files of its top layer.</summary>
internal sealed class RegistryReader(string registry) : IDisposable
{
    private static readonly string[] Accept =
    [
        "application/vnd.oci.image.index.v1+json",
        "application/vnd.docker.distribution.manifest.list.v2+json",
        "application/vnd.oci.image.manifest.v1+json",
        "application/vnd.docker.distribution.manifest.v2+json",
    ];

    private readonly HttpClient _http = new() { BaseAddress = new Uri($"http://{registry}/"), Timeout = TimeSpan.FromSeconds(30) };

    /// <summary>The manifest <paramref name="reference"/> names: media type, digest (the registry's header), JSON.</summary>
    public async Task<(string MediaType, string Digest, JsonDocument Json)> ManifestAsync(string repository, string reference)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, $"v2/{repository}/manifests/{reference}");
        foreach (var type in Accept)
        {
            request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue(type));
        }

        using var response = await _http.SendAsync(request);
        response.EnsureSuccessStatusCode();
        var digest = response.Headers.GetValues("Docker-Content-Digest").First();
        return (response.Content.Headers.ContentType!.MediaType!, digest, JsonDocument.Parse(await response.Content.ReadAsStringAsync()));
    }

    public async Task<List<string>> TagsAsync(string repository)
    {
        using var json = JsonDocument.Parse(await _http.GetStringAsync($"v2/{repository}/tags/list"));
        return [.. json.RootElement.GetProperty("tags").EnumerateArray().Select(t => t.GetString()!).Order(StringComparer.Ordinal)];
    }

    /// <summary>The text of <paramref name="path"/> in the top layer of the image <paramref name="tag"/> names (the image entry of a list).</summary>
    public async Task<string?> TopLayerFileAsync(string repository, string tag, string path)
    {
        var (type, _, json) = await ManifestAsync(repository, tag);
        using (json)
        {
            var manifest = json;
            if (type.Contains("index", StringComparison.Ordinal) || type.Contains("list", StringComparison.Ordinal))
            {
                var image = json.RootElement.GetProperty("manifests").EnumerateArray().First(m => m.GetProperty("platform").GetProperty("os").GetString() != "unknown");
                manifest = (await ManifestAsync(repository, image.GetProperty("digest").GetString()!)).Json;
            }

            var layer = manifest.RootElement.GetProperty("layers").EnumerateArray().Last().GetProperty("digest").GetString();
            await using var blob = await _http.GetStreamAsync($"v2/{repository}/blobs/{layer}");
            await using var gzip = new GZipStream(blob, CompressionMode.Decompress);
            await using var tar = new TarReader(gzip);
            while (await tar.GetNextEntryAsync() is { } entry)
            {
                if (entry.Name.TrimStart('.', '/') == path.TrimStart('/') && entry.DataStream is { } data)
                {
                    using var reader = new StreamReader(data, Encoding.UTF8);
                    return await reader.ReadToEndAsync();
                }
            }

            return null;
        }
    }

    public void Dispose() => _http.Dispose();
}
