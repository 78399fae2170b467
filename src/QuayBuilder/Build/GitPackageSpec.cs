namespace QuayBuilder.Build;

/// <summary>A Git build pack: clone <see cref="Url"/> at <see cref="Sha"/> with the deploy key.</summary>
internal sealed record GitPackageSpec(string Url, string Sha, string? PrivateKey)
{
    // The private key is a secret: records print every member by default.
    public override string ToString() => $"GitPackageSpec {{ Url = {Provenance.CleanSourceUrl(Url)}, Sha = {Sha} }}";
}
