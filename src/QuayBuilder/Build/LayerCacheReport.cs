using QuayBuilder.Registry;

namespace QuayBuilder.Build;

/// <summary>What one publish or prime of the layer cache did and cost; <see cref="Warning"/> is set when it gave up.</summary>
internal sealed record LayerCacheReport(int Images, long Requests, long BytesSent, long BytesReceived, TimeSpan Elapsed, string? Warning)
{
    public bool Succeeded => Warning is null;

    /// <summary>Publish: the digest of the list each tag now names (null when nothing was published).</summary>
    public string? ListDigest { get; init; }

    /// <summary>Publish: the list's media type (a Docker manifest list or an OCI image index).</summary>
    public string? ListMediaType { get; init; }

    /// <summary>Prime: ids of the images pulled into a store that did not have them, oldest first.</summary>
    public IReadOnlyList<string> Pulled { get; init; } = [];

    /// <summary>The one log line of a publish or prime; <paramref name="action"/> is "published" or "primed".</summary>
    public string Describe(string action) => Warning is { } warning
        ? $"Layer cache not {action}: {warning}; the build itself is unaffected"
        : $"Layer cache {action}: {Images} intermediate images, {Requests} registry requests, {BytesSent} bytes sent, {BytesReceived} bytes received, {Elapsed.TotalSeconds:0.0} s";

    /// <summary>Says what the tags name after a successful publish: the list, and which image in it is the build's.</summary>
    public string DescribeTags(IEnumerable<string> tags, string imageDigest) =>
        $"Tags {string.Join(", ", tags)} now name the {(ListMediaType == MediaTypes.OciIndex ? "OCI image index" : "manifest list")} {ListDigest}: the built image {imageDigest} and {Images} layer-cache entries (platform unknown/unknown, which clients skip)";
}
