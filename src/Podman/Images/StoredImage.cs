namespace QuayBuilder.Podman;

/// <summary>
/// One image in the runtime's local store, as its image list reports it. <see cref="ParentId"/> is
/// the image whose layers and history this one extends by one build step (Podman works it out from
/// the layer tree), so a build's intermediate images form a chain ending at the built image.
/// <see cref="Digest"/> is the digest of the locally stored manifest, not of any pushed one.
/// </summary>
public sealed record StoredImage(string Id, string? ParentId, IReadOnlyList<string> RepoTags, string? Digest, DateTimeOffset Created);
