namespace QuayBuilder.Build;

/// <summary>
/// The operator's switches for reproducible, traceable images (docs/adr/0012-reproducible-images.md);
/// both on by default.
/// </summary>
/// <param name="ReproducibleTimestamp"><c>REPRODUCIBLE_TIMESTAMP</c> / <c>--no-reproducible</c>:
/// build with the source's time instead of the clock's.</param>
/// <param name="Labels"><c>PROVENANCE_LABELS</c> / <c>--no-provenance</c>: set the
/// <c>org.opencontainers.image.*</c> source, revision and created labels.</param>
internal sealed record ProvenanceOptions(bool ReproducibleTimestamp = true, bool Labels = true)
{
    public static ProvenanceOptions Default { get; } = new();
}
