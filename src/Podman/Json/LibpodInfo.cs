using System.Text.Json.Serialization;

namespace QuayBuilder.Podman;

/// <summary>The part of <c>GET /libpod/info</c> we report; nested types mirror its JSON nesting.</summary>
internal sealed record LibpodInfo
{
    [JsonPropertyName("host")]
    public HostSection? Host { get; init; }

    [JsonPropertyName("store")]
    public StoreSection? Store { get; init; }

    [JsonPropertyName("version")]
    public VersionSection? Version { get; init; }

    internal sealed record HostSection
    {
        [JsonPropertyName("security")]
        public SecuritySection? Security { get; init; }

        [JsonPropertyName("ociRuntime")]
        public OciRuntimeSection? OciRuntime { get; init; }
    }

    internal sealed record SecuritySection
    {
        [JsonPropertyName("rootless")]
        public bool Rootless { get; init; }
    }

    internal sealed record OciRuntimeSection
    {
        [JsonPropertyName("name")]
        public string? Name { get; init; }
    }

    internal sealed record StoreSection
    {
        [JsonPropertyName("graphDriverName")]
        public string? GraphDriverName { get; init; }
    }

    internal sealed record VersionSection
    {
        [JsonPropertyName("Version")]
        public string? Version { get; init; }
    }
}
