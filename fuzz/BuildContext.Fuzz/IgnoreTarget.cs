namespace QuayBuilder.BuildContext.Fuzz;

/// <summary>
/// Input: ignore-file text, then a NUL, then paths one per line (without a NUL the pattern lines
/// double as paths). Checks the pruning invariant ContextTarWriter relies on: when a directory
/// is excluded and no exception may match inside it, everything inside it is excluded too.
/// </summary>
internal static class IgnoreTarget
{
    public static void Run(string text)
    {
        int nul = text.IndexOf('\0', StringComparison.Ordinal);
        string patterns = nul < 0 ? text : text[..nul];
        string paths = nul < 0 ? text : text[(nul + 1)..];
        IgnoreMatcher matcher;
        try
        {
            matcher = IgnoreMatcher.Parse(patterns);
        }
        catch (SourceException)
        {
            return;
        }

        foreach (string raw in paths.Split('\n').Take(64))
        {
            string path = raw.Trim().TrimStart('!').Trim('/');
            // The context walk only produces clean relative paths: no empty, "." or ".." components.
            if (path.Length == 0 || path.Contains('\0', StringComparison.Ordinal)
                || path.Split('/').Any(c => c is "" or "." or ".."))
            {
                continue;
            }

            bool excluded = matcher.IsExcluded(path);
            for (int slash = path.IndexOf('/'); slash > 0; slash = path.IndexOf('/', slash + 1))
            {
                string directory = path[..slash];
                if (matcher.IsExcluded(directory) && !matcher.MayIncludeInside(directory) && !excluded)
                {
                    throw new InvalidOperationException($"pruning {directory} would drop included {path}");
                }
            }
        }
    }
}
