using System.Text.Json;

namespace QuayBuilder.Registry;

/// <summary>Reads and writes the image manifests and manifest lists of the layer cache (Docker v2 schema 2 or OCI).</summary>
internal sealed record ImageManifest(string ConfigMediaType, IReadOnlyList<LayerDescriptor> Layers)
{
    public static ImageManifest Parse(byte[] bytes)
    {
        using var json = JsonDocument.Parse(bytes);
        var root = json.RootElement;
        var config = root.GetProperty("config");
        var layers = root.TryGetProperty("layers", out var array) && array.ValueKind == JsonValueKind.Array
            ? array.EnumerateArray().Select(layer => new LayerDescriptor(
                layer.GetProperty("mediaType").GetString() ?? string.Empty,
                layer.GetProperty("digest").GetString() ?? string.Empty,
                layer.GetProperty("size").GetInt64())).ToList()
            : [];
        return new ImageManifest(config.GetProperty("mediaType").GetString() ?? string.Empty, layers);
    }

    public static IReadOnlyList<Descriptor> ParseList(byte[] bytes)
    {
        using var json = JsonDocument.Parse(bytes);
        if (!json.RootElement.TryGetProperty("manifests", out var manifests) || manifests.ValueKind != JsonValueKind.Array)
        {
            return [];
        }

        return manifests.EnumerateArray().Select(entry =>
        {
            var platform = entry.TryGetProperty("platform", out var p) && p.ValueKind == JsonValueKind.Object ? p : default;
            return new Descriptor(
                entry.TryGetProperty("mediaType", out var type) ? type.GetString() ?? string.Empty : string.Empty,
                entry.GetProperty("digest").GetString() ?? string.Empty,
                entry.TryGetProperty("size", out var size) ? size.GetInt64() : 0,
                platform.ValueKind == JsonValueKind.Object && platform.TryGetProperty("os", out var os) ? os.GetString() ?? string.Empty : string.Empty,
                platform.ValueKind == JsonValueKind.Object && platform.TryGetProperty("architecture", out var arch) ? arch.GetString() ?? string.Empty : string.Empty);
        }).ToList();
    }

    public static byte[] Write(string mediaType, string configMediaType, string configDigest, long configSize, IEnumerable<LayerDescriptor> layers)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteNumber("schemaVersion", 2);
            writer.WriteString("mediaType", mediaType);
            writer.WriteStartObject("config");
            writer.WriteString("mediaType", configMediaType);
            writer.WriteNumber("size", configSize);
            writer.WriteString("digest", configDigest);
            writer.WriteEndObject();
            writer.WriteStartArray("layers");
            foreach (var layer in layers)
            {
                writer.WriteStartObject();
                writer.WriteString("mediaType", layer.MediaType);
                writer.WriteNumber("size", layer.Size);
                writer.WriteString("digest", layer.Digest);
                writer.WriteEndObject();
            }

            writer.WriteEndArray();
            writer.WriteEndObject();
        }

        return buffer.ToArray();
    }

    public static byte[] WriteList(string mediaType, IEnumerable<Descriptor> entries)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteNumber("schemaVersion", 2);
            writer.WriteString("mediaType", mediaType);
            writer.WriteStartArray("manifests");
            foreach (var entry in entries)
            {
                writer.WriteStartObject();
                writer.WriteString("mediaType", entry.MediaType);
                writer.WriteNumber("size", entry.Size);
                writer.WriteString("digest", entry.Digest);
                writer.WriteStartObject("platform");
                writer.WriteString("architecture", entry.Architecture);
                writer.WriteString("os", entry.Os);
                writer.WriteEndObject();
                writer.WriteEndObject();
            }

            writer.WriteEndArray();
            writer.WriteEndObject();
        }

        return buffer.ToArray();
    }
}
