using System.Formats.Tar;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace QuayBuilder.Podman;

/// <summary>
/// Read-only views of the runtime's local image store that a build cache needs: the image list
/// with parents (to find a build's intermediate images) and the exact config bytes of images
/// (what a registry stores as their config blob). libpod API, Podman 4.x and 5.x.
/// </summary>
public sealed class ImageStore : IAsyncDisposable
{
    private const string Api = "/v4.0.0/libpod";

    /// <summary>A config is a few kilobytes; anything far larger is not one.</summary>
    private const int MaxConfigBytes = 4 * 1024 * 1024;

    private readonly RuntimeConnection _connection;

    public ImageStore(string socketPath)
    {
        _connection = new RuntimeConnection(socketPath);
    }

    /// <summary>Every image in the store, intermediate (untagged) ones included.</summary>
    public async Task<IReadOnlyList<StoredImage>> ListAsync(CancellationToken ct)
    {
        var (_, body) = await _connection.SendShortAsync(HttpMethod.Get, $"{Api}/images/json?all=true", "Listing local images", null, ct).ConfigureAwait(false);
        List<ImageListEntry>? entries;
        try
        {
            entries = JsonSerializer.Deserialize(body, ImageStoreJsonContext.Default.ListImageListEntry);
        }
        catch (JsonException e)
        {
            throw new PodmanException($"Listing local images failed: the answer is not an image list ({e.Message}).", e);
        }

        return (entries ?? [])
            .Where(entry => entry.Id is { Length: > 0 })
            .Select(entry => new StoredImage(
                PodmanClient.StripAlgorithm(entry.Id!),
                entry.ParentId is { Length: > 0 } parent ? PodmanClient.StripAlgorithm(parent) : null,
                entry.RepoTags ?? [],
                entry.Digest,
                DateTimeOffset.FromUnixTimeSeconds(entry.Created)))
            .ToList();
    }

    /// <summary>
    /// The untagged ancestors of <paramref name="imageId"/>, nearest first: the intermediate images
    /// a layered build committed on the way to it (or pulled as its cache). Stops at the first
    /// tagged ancestor (the base image, which has its own name) or a missing parent. A name with a
    /// digest (<c>repo@sha256:…</c>, which Podman 4.3 lists among RepoTags of an image pulled by
    /// digest) is not a tag.
    /// </summary>
    public static IReadOnlyList<StoredImage> UntaggedAncestors(IReadOnlyList<StoredImage> images, string imageId)
    {
        ArgumentNullException.ThrowIfNull(images);
        var byId = images.GroupBy(image => image.Id, StringComparer.Ordinal).ToDictionary(group => group.Key, group => group.First(), StringComparer.Ordinal);
        var result = new List<StoredImage>();
        var seen = new HashSet<string>(StringComparer.Ordinal) { PodmanClient.StripAlgorithm(imageId) };
        var current = byId.GetValueOrDefault(PodmanClient.StripAlgorithm(imageId));
        while (current?.ParentId is { } parentId && seen.Add(parentId) && byId.TryGetValue(parentId, out var parent) && !parent.RepoTags.Any(IsTag))
        {
            result.Add(parent);
            current = parent;
        }

        return result;
    }

    private static bool IsTag(string name) => !name.Contains('@', StringComparison.Ordinal);

    /// <summary>
    /// The config bytes of each image, exactly as stored: an image's id is the SHA-256 of these
    /// bytes, for Docker-format and OCI-format images alike (measured on Podman 4.3.1), and this
    /// checks that it is. Read from one docker-archive export
    /// of all the images (the export dedupes layers, which are streamed past, not kept).
    /// </summary>
    /// <remarks>
    /// Costs one local read of the images' layers: libpod has no endpoint that returns a config
    /// alone. An image whose id is not the digest of the exported config (should an export ever
    /// convert one) is left out of the answer rather than returned with different bytes.
    /// </remarks>
    public async Task<IReadOnlyDictionary<string, byte[]>> ReadConfigsAsync(IReadOnlyCollection<string> imageIds, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(imageIds);
        var wanted = imageIds.Select(PodmanClient.StripAlgorithm).ToHashSet(StringComparer.Ordinal);
        var result = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        if (wanted.Count == 0)
        {
            return result;
        }

        const string operation = "Exporting image configs";
        var path = new StringBuilder($"{Api}/images/export?format=docker-archive");
        foreach (var id in wanted)
        {
            path.Append("&references=").Append(PodmanClient.Query(id));
        }

        using var request = new HttpRequestMessage(HttpMethod.Get, path.ToString());
        using var response = await _connection.SendAsync(request, operation, ct).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            var body = await response.Content.ReadAsStringAsync(ct).ConfigureAwait(false);
            throw RuntimeConnection.Failure(operation, response, body);
        }

        var stream = await response.Content.ReadAsStreamAsync(ct).ConfigureAwait(false);
        await using (stream.ConfigureAwait(false))
        {
            try
            {
                await using var reader = new TarReader(stream, leaveOpen: true);
                while (await reader.GetNextEntryAsync(copyData: false, ct).ConfigureAwait(false) is { } entry)
                {
                    var name = entry.Name;
                    if (!name.EndsWith(".json", StringComparison.Ordinal) || name.Contains('/', StringComparison.Ordinal)
                        || !wanted.Contains(name[..^".json".Length]) || entry.DataStream is null || entry.Length > MaxConfigBytes)
                    {
                        continue;
                    }

                    var bytes = new byte[entry.Length];
                    await entry.DataStream.ReadExactlyAsync(bytes, ct).ConfigureAwait(false);
                    var id = name[..^".json".Length];
                    if (Convert.ToHexStringLower(SHA256.HashData(bytes)) == id)
                    {
                        result[id] = bytes;
                    }
                }
            }
            catch (Exception e) when (e is InvalidDataException or EndOfStreamException or IOException or HttpRequestException)
            {
                throw new PodmanException($"{operation} failed: the export stream from {_connection.SocketPath} broke or is not a tar archive ({e.Message}).", e);
            }
        }

        return result;
    }

    public ValueTask DisposeAsync()
    {
        _connection.Dispose();
        return ValueTask.CompletedTask;
    }
}
