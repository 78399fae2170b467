namespace QuayBuilder.Registry;

/// <summary>A layer as a pushed manifest lists it (compressed blob digest and size).</summary>
internal sealed record LayerDescriptor(string MediaType, string Digest, long Size);
