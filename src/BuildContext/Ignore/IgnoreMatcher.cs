namespace QuayBuilder.BuildContext;

/// <summary>
/// A parsed .dockerignore / .containerignore with Docker's rules (moby/patternmatcher and
/// moby/ignorefile): one Go <c>filepath.Match</c> pattern per line plus <c>**</c>; <c>#</c> lines
/// and blank lines ignored; <c>!</c> marks an exception; leading <c>/</c> and <c>./</c> are
/// cleaned away; the last matching pattern wins; a path is also excluded when a pattern
/// matches one of its parent directories.
/// </summary>
public sealed class IgnoreMatcher
{
    private readonly IgnorePattern[] _patterns;

    private IgnoreMatcher(IgnorePattern[] patterns)
    {
        _patterns = patterns;
        HasExceptions = patterns.Any(p => p.IsException);
    }

    /// <summary>A matcher that excludes nothing (no ignore file).</summary>
    public static IgnoreMatcher Empty { get; } = new([]);

    /// <summary>Whether any <c>!</c> pattern exists (only then can an excluded directory hold sent files).</summary>
    public bool HasExceptions { get; }

    /// <summary>The cleaned patterns, exceptions with their leading '!'.</summary>
    public IReadOnlyList<string> Patterns => _patterns.Select(p => p.IsException ? "!" + p.Text : p.Text).ToList();

    /// <summary>
    /// Parses the text of an ignore file. A malformed pattern is a <see cref="SourceException"/>
    /// naming the file and line, as Docker also refuses to build with one.
    /// </summary>
    public static IgnoreMatcher Parse(string text, string fileName = ".dockerignore")
    {
        ArgumentNullException.ThrowIfNull(text);
        var patterns = new List<IgnorePattern>();
        string[] lines = text.Split('\n');
        for (int n = 0; n < lines.Length; n++)
        {
            string line = lines[n];
            if (n == 0 && line.StartsWith('\uFEFF'))
            {
                line = line[1..];
            }

            if (line.EndsWith('\r'))
            {
                line = line[..^1];
            }

            // Only a '#' in the very first column starts a comment, as in Docker.
            if (line.StartsWith('#'))
            {
                continue;
            }

            string pattern = line.Trim();
            if (pattern.Length == 0)
            {
                continue;
            }

            bool exception = pattern[0] == '!';
            if (exception)
            {
                pattern = pattern[1..].Trim();
            }

            if (pattern.Length > 0)
            {
                pattern = LexicalPath.Clean(pattern);
                if (pattern.Length > 1 && pattern[0] == '/')
                {
                    pattern = pattern[1..];
                }
            }

            IgnorePattern compiled = IgnorePattern.TryCreate(exception ? "!" + pattern : pattern, out string? error)
                ?? throw new SourceException(
                    $"The {fileName} file has an invalid pattern on line {n + 1} (\"{ScopedPath.Printable(line.Trim())}\"): {error}. " +
                    "Fix or remove that line.");
            patterns.Add(compiled);
        }

        return new IgnoreMatcher([.. patterns]);
    }

    /// <summary>
    /// Whether <paramref name="relativePath"/> (relative to the context, '/'-separated) is left
    /// out of the context: the last pattern matching it or one of its parents decides.
    /// </summary>
    public bool IsExcluded(string relativePath)
    {
        ArgumentNullException.ThrowIfNull(relativePath);
        if (_patterns.Length == 0)
        {
            return false;
        }

        string path = LexicalPath.Clean(relativePath).TrimStart('/');
        int lastSlash = path.LastIndexOf('/');
        bool matched = false;
        foreach (IgnorePattern pattern in _patterns)
        {
            // An exclusion cannot change an excluded path, nor an exception an included one.
            if (pattern.IsException != matched)
            {
                continue;
            }

            bool match = pattern.Matches(path);
            for (int slash = path.IndexOf('/'); !match && slash >= 0 && slash <= lastSlash; slash = path.IndexOf('/', slash + 1))
            {
                match = pattern.Matches(path[..slash]);
            }

            if (match)
            {
                matched = !pattern.IsException;
            }
        }

        return matched;
    }

    /// <summary>
    /// Whether some exception pattern could match a path inside <paramref name="directory"/>; when
    /// none can, an excluded directory is skipped without being walked. Errs towards true: walking
    /// more only costs time, as every entry is still checked with <see cref="IsExcluded"/>.
    /// </summary>
    public bool MayIncludeInside(string directory)
    {
        ArgumentNullException.ThrowIfNull(directory);
        if (!HasExceptions)
        {
            return false;
        }

        string[] parts = LexicalPath.Clean(directory).TrimStart('/').Split('/');
        foreach (IgnorePattern pattern in _patterns)
        {
            if (pattern.IsException && CouldMatchBelow(pattern.Components, parts))
            {
                return true;
            }
        }

        return false;
    }

    private static bool CouldMatchBelow(string[] pattern, string[] directory)
    {
        for (int i = 0; i < directory.Length; i++)
        {
            if (i >= pattern.Length)
            {
                return false;
            }

            string component = pattern[i];
            if (component.Contains("**", StringComparison.Ordinal))
            {
                return true;
            }

            bool wildcard = component.AsSpan().IndexOfAny("*?[\\") >= 0;
            if (!wildcard && component != directory[i])
            {
                return false;
            }
        }

        return true;
    }
}
