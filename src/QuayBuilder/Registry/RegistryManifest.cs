namespace QuayBuilder.Registry;

/// <summary>A manifest exactly as the registry stores it: its digest is the SHA-256 of <see cref="Bytes"/>.</summary>
internal sealed record RegistryManifest(byte[] Bytes, string MediaType, string Digest);
