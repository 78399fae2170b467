namespace QuayBuilder.Podman;

/// <summary>Checks and splits image references before they go into a request path or query.</summary>
internal static class ImageName
{
    /// <summary>
    /// Returns the name for use in a URL path. Image references only ever contain
    /// <c>[A-Za-z0-9._/:@+-]</c>; anything else is refused rather than escaped, because the
    /// runtime's router matches the raw path.
    /// </summary>
    internal static string ForPath(string nameOrId)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(nameOrId);
        foreach (var c in nameOrId)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '/' or ':' or '@' or '-' or '+'))
            {
                throw new ArgumentException($"'{nameOrId}' is not a valid image reference: it contains '{c}'.", nameof(nameOrId));
            }
        }

        return nameOrId;
    }

    /// <summary>Splits <c>host:port/repo:tag</c> into repository and tag (null when there is none or it is a digest).</summary>
    internal static (string Repository, string? Tag) SplitTag(string reference)
    {
        if (reference.Contains('@', StringComparison.Ordinal))
        {
            return (reference, null);
        }

        var slash = reference.LastIndexOf('/');
        var colon = reference.LastIndexOf(':');
        return colon > slash ? (reference[..colon], reference[(colon + 1)..]) : (reference, null);
    }
}
