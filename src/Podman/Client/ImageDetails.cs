namespace QuayBuilder.Podman;

/// <summary>What the runtime knows about one local image.</summary>
public sealed record ImageDetails(string Id, string? Digest, IReadOnlyList<string> RepoDigests, IReadOnlyList<string> RepoTags);
