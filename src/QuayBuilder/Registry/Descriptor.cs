namespace QuayBuilder.Registry;

/// <summary>One entry of a manifest list: a manifest by digest, and the platform it is for.</summary>
internal sealed record Descriptor(string MediaType, string Digest, long Size, string Os, string Architecture);
