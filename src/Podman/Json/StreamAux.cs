using System.Text.Json.Serialization;

namespace QuayBuilder.Podman;

/// <summary><c>aux</c> of a stream line: the built image id (build) or the pushed digest (Docker push).</summary>
internal sealed record StreamAux
{
    [JsonPropertyName("ID")]
    public string? Id { get; init; }

    [JsonPropertyName("Digest")]
    public string? Digest { get; init; }

    [JsonPropertyName("Tag")]
    public string? Tag { get; init; }
}
