namespace QuayBuilder.BuildContext;

/// <summary>
/// What the worker needs from a Dockerfile: its stages and the images they start from.
/// Everything else in the file is left to the runtime.
/// </summary>
public sealed record Dockerfile(IReadOnlyList<BuildStage> Stages)
{
    /// <summary>The escape character (<c># escape=`</c> parser directive; backslash by default).</summary>
    public char Escape { get; init; } = '\\';

    /// <summary>
    /// The first stage's base, the image Quay reports in PULLING's pull metadata; null when the
    /// first stage is <c>FROM scratch</c> (there is nothing to pull).
    /// </summary>
    public ImageReference? BaseImage => Stages.Count > 0 && Stages[0].Base is { IsScratch: false } b ? b : null;

    /// <summary>
    /// Every image a stage starts from that is not an earlier stage and not <c>scratch</c>,
    /// deduplicated (by their text) in order of first use: what a pull must fetch.
    /// </summary>
    public IReadOnlyList<ImageReference> ExternalBases
    {
        get
        {
            var seen = new HashSet<string>(StringComparer.Ordinal);
            var bases = new List<ImageReference>();
            foreach (BuildStage stage in Stages)
            {
                if (stage.Base is { IsScratch: false } b && seen.Add(b.ToString()))
                {
                    bases.Add(b);
                }
            }

            return bases;
        }
    }
}
