using System.Text;

namespace QuayBuilder.BuildContext;

/// <summary>
/// Turns an archive member's name into a safe path relative to the extraction root, or
/// says why it cannot be one. Invariant of every returned path: no leading '/', no empty,
/// '.' or '..' component, so joining it to the root stays lexically inside the root.
/// (Symlinks are the extractor's concern: it never writes through one.)
/// </summary>
internal static class EntryName
{
    private const int DisplayLength = 200;

    /// <summary>
    /// Normalises <paramref name="name"/>: "./a//b/" becomes "a/b". Returns "" for the
    /// root itself ("./"). Throws <see cref="SourceException"/> for absolute paths and '..'.
    /// </summary>
    public static string Normalize(string name, int maxPathLength)
    {
        if (name.Length == 0)
        {
            throw Refused(name, "it has an empty name");
        }

        if (name[0] == '/')
        {
            throw Refused(name, "it is an absolute path; members must be relative to the archive root");
        }

        if (name.Contains('\0', StringComparison.Ordinal))
        {
            throw Refused(name, "its name contains a NUL character");
        }

        var builder = new StringBuilder(name.Length);
        foreach (var part in name.Split('/'))
        {
            if (part.Length == 0 || part == ".")
            {
                continue;
            }

            if (part == "..")
            {
                throw Refused(name, "its path contains a '..' component, which would escape the build context");
            }

            if (builder.Length > 0)
            {
                builder.Append('/');
            }

            builder.Append(part);
        }

        var normalized = builder.ToString();
        var bytes = Encoding.UTF8.GetByteCount(normalized);
        if (bytes > maxPathLength)
        {
            throw new SourceException(
                $"The build package entry '{Display(name)}' has a path of {bytes} bytes, longer than the limit of " +
                $"{maxPathLength} (PACKAGE_MAX_PATH_LENGTH). Shorten the path, or raise PACKAGE_MAX_PATH_LENGTH.");
        }

        return normalized;
    }

    /// <summary>Applies the same rules to a hard link's or symlink's target resolved against the member's directory.</summary>
    public static string? ResolveLinkTarget(string memberPath, string target)
    {
        if (target.Length == 0 || target[0] == '/')
        {
            return null;
        }

        var parts = new List<string>(memberPath.Split('/'));
        parts.RemoveAt(parts.Count - 1);
        foreach (var part in target.Split('/'))
        {
            if (part.Length == 0 || part == ".")
            {
                continue;
            }

            if (part == "..")
            {
                if (parts.Count == 0)
                {
                    return null;
                }

                parts.RemoveAt(parts.Count - 1);
                continue;
            }

            parts.Add(part);
        }

        return string.Join('/', parts);
    }

    /// <summary>
    /// A member name as it may appear in a message: control characters (a hostile name
    /// could carry newlines or terminal escapes into the build log) become '?', and
    /// very long names are shortened.
    /// </summary>
    public static string Display(string name)
    {
        var builder = new StringBuilder(Math.Min(name.Length, DisplayLength + 1));
        foreach (var c in name)
        {
            if (builder.Length == DisplayLength)
            {
                builder.Append('…');
                break;
            }

            builder.Append(char.IsControl(c) ? '?' : c);
        }

        return builder.ToString();
    }

    public static SourceException Refused(string name, string reason) =>
        new($"Refused the build package entry '{Display(name)}': {reason}. The package was not extracted.");
}
