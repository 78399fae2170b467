namespace QuayBuilder.Build;

/// <summary>
/// What this build made or pulled, and only that: cleanup removes these and nothing else, so a
/// Podman service shared with other builds keeps their images.
/// </summary>
internal sealed class BuildArtifacts
{
    private readonly List<string> _pulledImages = [];
    private readonly List<string> _imageNames = [];
    private readonly List<string> _intermediateImages = [];

    public string? WorkDirectory { get; set; }

    /// <summary>Images this build pulled that were not in storage before (base, cache).</summary>
    public IReadOnlyList<string> PulledImages => _pulledImages;

    /// <summary>Names this build gave its image (<c>registry/repository:tag</c>).</summary>
    public IReadOnlyList<string> ImageNames => _imageNames;

    /// <summary>Ids of the layer images this build committed, oldest first.</summary>
    public IReadOnlyList<string> IntermediateImages => _intermediateImages;

    public string? BuiltImageId { get; set; }

    public void AddPulled(string reference) => _pulledImages.Add(reference);

    /// <summary>
    /// Adds pulled images (oldest first) that are parents of the pulled <paramref name="child"/>:
    /// cleanup removes in reverse order, and an image with a child cannot go before it.
    /// </summary>
    public void AddPulledUnder(string child, IEnumerable<string> parents)
    {
        var at = _pulledImages.IndexOf(child);
        if (at < 0)
        {
            _pulledImages.AddRange(parents);
        }
        else
        {
            _pulledImages.InsertRange(at, parents);
        }
    }

    public void AddName(string name)
    {
        if (!_imageNames.Contains(name, StringComparer.Ordinal))
        {
            _imageNames.Add(name);
        }
    }

    public void AddIntermediate(string id) => _intermediateImages.Add(id);
}
