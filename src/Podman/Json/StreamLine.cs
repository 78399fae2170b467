using System.Text.Json.Serialization;

namespace QuayBuilder.Podman;

/// <summary>
/// One JSON line of a streamed answer, the union of what libpod and the Docker-compatible
/// API send for build, pull and push.
/// </summary>
internal sealed record StreamLine
{
    [JsonPropertyName("stream")]
    public string? Stream { get; init; }

    [JsonPropertyName("status")]
    public string? Status { get; init; }

    /// <summary>A layer id in progress lines; the image id in libpod's final pull line.</summary>
    [JsonPropertyName("id")]
    public string? Id { get; init; }

    [JsonPropertyName("progressDetail")]
    public ProgressDetail? ProgressDetail { get; init; }

    [JsonPropertyName("error")]
    public string? Error { get; init; }

    [JsonPropertyName("errorDetail")]
    public ErrorDetail? ErrorDetail { get; init; }

    /// <summary>libpod pull: the ids of the pulled images.</summary>
    [JsonPropertyName("images")]
    public IReadOnlyList<string>? Images { get; init; }

    [JsonPropertyName("aux")]
    public StreamAux? Aux { get; init; }
}
