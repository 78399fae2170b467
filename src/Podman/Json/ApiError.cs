using System.Text.Json.Serialization;

namespace QuayBuilder.Podman;

/// <summary>The body of a non-2xx answer: libpod sends cause + message, Docker only message.</summary>
internal sealed record ApiError
{
    [JsonPropertyName("message")]
    public string? Message { get; init; }

    [JsonPropertyName("cause")]
    public string? Cause { get; init; }
}
