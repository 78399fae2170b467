using System.Formats.Tar;
using System.IO.Compression;
using System.Text;
using System.Text.Json;

namespace QuayBuilder.Tests.EndToEnd;

/// <summary>Reads what really landed in the registry: tags, and files inside an image's layers.</summary>
internal sealed class RegistryProbe(string registry) : IDisposable
{
    private readonly HttpClient _http = new() { BaseAddress = new Uri($"http://{registry}/"), Timeout = TimeSpan.FromSeconds(30) };

    public async Task<IReadOnlyList<string>> TagsAsync(string repository)
    {
        using var response = await _http.GetAsync($"v2/{repository}/tags/list");
        if (!response.IsSuccessStatusCode)
        {
            return [];
        }

        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return json.RootElement.TryGetProperty("tags", out var tags) && tags.ValueKind == JsonValueKind.Array
            ? [.. tags.EnumerateArray().Select(t => t.GetString()!)]
            : [];
    }

    /// <summary>The digest the registry serves for <paramref name="tag"/> (Docker-Content-Digest).</summary>
    public async Task<string?> ManifestDigestAsync(string repository, string tag)
    {
        using var request = new HttpRequestMessage(HttpMethod.Head, $"v2/{repository}/manifests/{tag}");
        ImageIndexReader.AcceptAll(request);
        using var response = await _http.SendAsync(request);
        return response.Headers.TryGetValues("Docker-Content-Digest", out var values) ? values.First() : null;
    }

    /// <summary>The content of <paramref name="path"/> in the image's filesystem (top layer wins), or null.</summary>
    public async Task<string?> ReadFileAsync(string repository, string tag, string path)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, $"v2/{repository}/manifests/{tag}");
        ImageIndexReader.AcceptAll(request);
        using var response = await _http.SendAsync(request);
        response.EnsureSuccessStatusCode();
        using var manifest = await ImageIndexReader.ImageAsync(_http, repository, JsonDocument.Parse(await response.Content.ReadAsStringAsync()));
        string? content = null;
        var wanted = path.TrimStart('/');
        foreach (var layer in manifest.RootElement.GetProperty("layers").EnumerateArray())
        {
            var digest = layer.GetProperty("digest").GetString();
            await using var blob = await _http.GetStreamAsync($"v2/{repository}/blobs/{digest}");
            var media = layer.GetProperty("mediaType").GetString() ?? string.Empty;
            Stream tar = media.Contains("gzip", StringComparison.Ordinal) ? new GZipStream(blob, CompressionMode.Decompress) : blob;
            await using (tar)
            {
                using var reader = new TarReader(tar);
                while (await reader.GetNextEntryAsync() is { } entry)
                {
                    var name = entry.Name.TrimStart('.', '/');
                    if (name == wanted && entry.DataStream is not null)
                    {
                        using var text = new StreamReader(entry.DataStream, Encoding.UTF8);
                        content = await text.ReadToEndAsync();
                    }
                }
            }
        }

        return content;
    }

    public void Dispose() => _http.Dispose();
}
