namespace QuayBuilder.Local;

/// <summary>One pushed tag and the digest the registry serves for it, or why that is unknown.</summary>
internal sealed record PushedTag(string Reference, string? Digest, string? Problem);
