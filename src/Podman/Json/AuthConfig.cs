using System.Text.Json.Serialization;

namespace QuayBuilder.Podman;

/// <summary>The JSON inside X-Registry-Auth / X-Registry-Config (Docker's AuthConfig).</summary>
internal sealed record AuthConfig
{
    [JsonPropertyName("username")]
    public required string Username { get; init; }

    [JsonPropertyName("password")]
    public required string Password { get; init; }

    [JsonPropertyName("serveraddress")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? ServerAddress { get; init; }
}
