using System.Text.Json.Serialization;

namespace QuayBuilder.Podman;

/// <summary>The part of Docker's <c>GET /info</c> we report.</summary>
internal sealed record DockerInfo
{
    [JsonPropertyName("ServerVersion")]
    public string? ServerVersion { get; init; }

    [JsonPropertyName("Driver")]
    public string? Driver { get; init; }

    [JsonPropertyName("DefaultRuntime")]
    public string? DefaultRuntime { get; init; }

    /// <summary>Docker lists <c>name=rootless</c> here when the daemon runs rootless.</summary>
    [JsonPropertyName("SecurityOptions")]
    public IReadOnlyList<string>? SecurityOptions { get; init; }
}
