using System.Text.Json.Serialization;

namespace QuayBuilder.Podman;

/// <summary>The fields of a libpod image-list entry that <see cref="ImageStore"/> uses.</summary>
internal sealed record ImageListEntry
{
    [JsonPropertyName("Id")]
    public string? Id { get; init; }

    [JsonPropertyName("ParentId")]
    public string? ParentId { get; init; }

    [JsonPropertyName("RepoTags")]
    public IReadOnlyList<string>? RepoTags { get; init; }

    [JsonPropertyName("Digest")]
    public string? Digest { get; init; }

    [JsonPropertyName("Created")]
    public long Created { get; init; }
}
