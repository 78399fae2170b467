namespace QuayBuilder.BuildContext;

/// <summary>
/// Resolves a relative path against a real directory the way the kernel would, one component
/// at a time, following symbolic links (relative and absolute) with a bound on how many, so the
/// caller can check where it really ends up. Components after the first missing one are applied
/// lexically; the result then does not exist.
/// </summary>
internal static class ScopedPath
{
    /// <summary>Linux's own limit on links followed in one lookup (ELOOP).</summary>
    private const int MaxLinks = 40;

    public readonly record struct Result(string Path, bool Exists);

    /// <summary>The real path of an absolute path (like realpath(3), but tolerating a missing tail).</summary>
    public static Result Real(string absolutePath) => Follow("/", Path.GetFullPath(absolutePath));

    /// <summary>Resolves <paramref name="relative"/> starting at the real directory <paramref name="start"/>.</summary>
    public static Result Follow(string start, string relative)
    {
        var pending = new Stack<string>();
        Push(pending, relative);
        string current = start;
        int links = 0;
        while (pending.Count > 0)
        {
            string component = pending.Pop();
            if (component is "" or ".")
            {
                continue;
            }

            if (component == "..")
            {
                current = Parent(current);
                continue;
            }

            string next = Path.Join(current, component);
            var info = new FileInfo(next);
            FileAttributes attributes;
            try
            {
                attributes = info.Attributes;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                attributes = (FileAttributes)(-1);
            }

            if ((int)attributes == -1)
            {
                current = next;
                while (pending.Count > 0)
                {
                    string rest = pending.Pop();
                    current = rest switch
                    {
                        "" or "." => current,
                        ".." => Parent(current),
                        _ => Path.Join(current, rest),
                    };
                }

                return new Result(current, false);
            }

            if ((attributes & FileAttributes.ReparsePoint) != 0 && info.LinkTarget is { } target)
            {
                if (++links > MaxLinks)
                {
                    throw new SourceException(
                        $"Too many levels of symbolic links while resolving \"{Printable(relative)}\". Remove the symbolic link loop from the source.");
                }

                Push(pending, target);
                if (target.StartsWith('/'))
                {
                    current = "/";
                }

                continue;
            }

            current = next;
        }

        return new Result(current, true);
    }

    public static bool IsInside(string root, string path) =>
        path == root || path.StartsWith(root.EndsWith('/') ? root : root + "/", StringComparison.Ordinal);

    /// <summary>A path as it may appear in a user-visible message: control characters replaced, length capped.</summary>
    public static string Printable(string path)
    {
        string shown = path.Length > 300 ? path[..300] + "…" : path;
        return string.Create(shown.Length, shown, static (span, s) =>
        {
            for (int i = 0; i < s.Length; i++)
            {
                span[i] = char.IsControl(s[i]) ? '?' : s[i];
            }
        });
    }

    private static void Push(Stack<string> pending, string path)
    {
        string[] components = path.Split('/');
        for (int i = components.Length - 1; i >= 0; i--)
        {
            pending.Push(components[i]);
        }
    }

    private static string Parent(string path) => Path.GetDirectoryName(path) ?? "/";
}
