using System.Text.Json.Serialization;

namespace QuayBuilder.Podman;

/// <summary>The fields of an image inspect answer we use; libpod and Docker agree on these names.</summary>
internal sealed record ImageInspect
{
    [JsonPropertyName("Id")]
    public string? Id { get; init; }

    [JsonPropertyName("Digest")]
    public string? Digest { get; init; }

    [JsonPropertyName("RepoDigests")]
    public IReadOnlyList<string>? RepoDigests { get; init; }

    [JsonPropertyName("RepoTags")]
    public IReadOnlyList<string>? RepoTags { get; init; }
}
