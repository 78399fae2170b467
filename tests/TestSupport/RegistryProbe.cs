using System.Formats.Tar;
using System.IO.Compression;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace QuayBuilder.TestSupport;

/// <summary>Reads what really landed in a registry (v2 API): tags, digests, and files inside an image's layers.</summary>
public sealed class RegistryProbe : IDisposable
{
    private readonly HttpClient _http;

    /// <param name="registry">host:port of a plain-HTTP registry.</param>
    /// <param name="username">Basic credentials, for a registry that requires them.</param>
    public RegistryProbe(string registry, string? username = null, string? password = null)
    {
        _http = new HttpClient { BaseAddress = new Uri($"http://{registry}/"), Timeout = TimeSpan.FromSeconds(30) };
        if (username is not null)
        {
            _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue(
                "Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{username}:{password}")));
        }
    }

    /// <summary>One question, without keeping a probe: the repository's tags.</summary>
    public static async Task<IReadOnlyList<string>> TagsAsync(string registry, string repository)
    {
        using var probe = new RegistryProbe(registry);
        return await probe.TagsAsync(repository);
    }

    /// <summary>The repository's tags; none when the registry does not know the repository.</summary>
    public async Task<IReadOnlyList<string>> TagsAsync(string repository)
    {
        using var response = await _http.GetAsync($"v2/{repository}/tags/list");
        if (response.StatusCode == HttpStatusCode.NotFound)
        {
            return [];
        }

        response.EnsureSuccessStatusCode();
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return json.RootElement.TryGetProperty("tags", out var tags) && tags.ValueKind == JsonValueKind.Array
            ? [.. tags.EnumerateArray().Select(t => t.GetString()!)]
            : [];
    }

    /// <summary>The digest the registry serves for <paramref name="tag"/> (Docker-Content-Digest).</summary>
    public async Task<string?> ManifestDigestAsync(string repository, string tag)
    {
        using var request = ManifestRequest(HttpMethod.Head, repository, tag);
        using var response = await _http.SendAsync(request);
        return response.Headers.TryGetValues("Docker-Content-Digest", out var values) ? values.First() : null;
    }

    /// <summary>The content of <paramref name="path"/> in the image's filesystem (top layer wins), or null.</summary>
    public async Task<string?> ReadFileAsync(string repository, string tag, string path)
    {
        using var request = ManifestRequest(HttpMethod.Get, repository, tag);
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

    private static HttpRequestMessage ManifestRequest(HttpMethod method, string repository, string tag)
    {
        var request = new HttpRequestMessage(method, $"v2/{repository}/manifests/{tag}");
        ImageIndexReader.AcceptAll(request);
        return request;
    }
}
