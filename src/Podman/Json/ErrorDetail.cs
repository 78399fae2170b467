using System.Text.Json.Serialization;

namespace QuayBuilder.Podman;

internal sealed record ErrorDetail
{
    [JsonPropertyName("message")]
    public string? Message { get; init; }
}
