using System.Text.Json;

namespace QuayBuilder.Registry;

/// <summary>What the layer cache reads from an image config: its layer diff ids and platform.</summary>
internal sealed record ImageConfigFacts(IReadOnlyList<string> DiffIds, string Os, string Architecture)
{
    public static ImageConfigFacts Parse(byte[] config)
    {
        using var json = JsonDocument.Parse(config);
        var root = json.RootElement;
        var diffIds = new List<string>();
        if (root.TryGetProperty("rootfs", out var rootfs) && rootfs.TryGetProperty("diff_ids", out var ids) && ids.ValueKind == JsonValueKind.Array)
        {
            diffIds.AddRange(ids.EnumerateArray().Select(id => id.GetString() ?? string.Empty));
        }

        return new ImageConfigFacts(diffIds, Text(root, "os", "linux"), Text(root, "architecture", "amd64"));
    }

    private static string Text(JsonElement root, string name, string fallback) =>
        root.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String && value.GetString() is { Length: > 0 } text ? text : fallback;
}
