using System.Text.Json.Serialization;

namespace QuayBuilder.Podman;

internal sealed record ProgressDetail
{
    [JsonPropertyName("current")]
    public long? Current { get; init; }

    [JsonPropertyName("total")]
    public long? Total { get; init; }
}
