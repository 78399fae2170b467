namespace QuayBuilder.BuildContext;

/// <summary>
/// Finds the build context directory and the Dockerfile inside a fetched source. Both come
/// from the build trigger, so they are untrusted: every symlink is followed and anything that
/// ends up outside the source root (or a Dockerfile outside the context) is refused.
/// </summary>
public static class BuildContextResolver
{
    private const int MaxListedDockerfiles = 10;

    /// <summary>Bounds the search for Dockerfiles to list, so a huge source cannot stall the error path.</summary>
    private const int MaxEntriesSearched = 100_000;

    /// <summary>
    /// <paramref name="context"/>: "" or "/" is the root; a leading slash is relative to the
    /// source root. <paramref name="dockerfilePath"/>: relative to the context (a leading slash
    /// too); "" is <c>Dockerfile</c>. Throws <see cref="SourceException"/> for a context or
    /// Dockerfile outside the source, and "Missing Dockerfile: …" (listing Dockerfiles that do
    /// exist) when there is none.
    /// </summary>
    public static ResolvedContext Resolve(string sourceRoot, string? context, string? dockerfilePath)
    {
        ArgumentException.ThrowIfNullOrEmpty(sourceRoot);
        ScopedPath.Result rootResult = ScopedPath.Real(sourceRoot);
        if (!rootResult.Exists || !Directory.Exists(rootResult.Path))
        {
            throw new DirectoryNotFoundException($"The build source directory {sourceRoot} does not exist.");
        }

        string root = rootResult.Path;
        string contextText = Clean(context);
        string dockerfileText = Clean(dockerfilePath);
        if (dockerfileText.Length == 0)
        {
            dockerfileText = "Dockerfile";
        }

        ScopedPath.Result contextResult = ScopedPath.Follow(root, contextText);
        if (!ScopedPath.IsInside(root, contextResult.Path))
        {
            throw new SourceException(
                $"The build context \"{ScopedPath.Printable(context ?? string.Empty)}\" resolves outside the build source " +
                "(through \"..\" or a symbolic link). Set the build context to a directory inside the repository or archive.");
        }

        string contextShown = Relative(root, contextResult.Path);
        if (!contextResult.Exists || !Directory.Exists(contextResult.Path))
        {
            throw Missing($"the build context directory \"{ScopedPath.Printable(contextText)}\" does not exist", root);
        }

        ScopedPath.Result dockerfileResult = ScopedPath.Follow(contextResult.Path, dockerfileText);
        if (!ScopedPath.IsInside(root, dockerfileResult.Path))
        {
            throw new SourceException(
                $"The Dockerfile path \"{ScopedPath.Printable(dockerfilePath ?? string.Empty)}\" resolves outside the build source " +
                "(through \"..\" or a symbolic link). Set the Dockerfile path to a file inside the build context.");
        }

        if (!ScopedPath.IsInside(contextResult.Path, dockerfileResult.Path))
        {
            throw new SourceException(
                $"The Dockerfile path \"{ScopedPath.Printable(dockerfilePath ?? string.Empty)}\" resolves outside the build context " +
                $"\"{ScopedPath.Printable(contextShown)}\". The Dockerfile must be inside the build context: move it there or widen the context.");
        }

        string requested = contextShown == "." ? dockerfileText : contextShown + "/" + dockerfileText;
        if (!dockerfileResult.Exists)
        {
            throw Missing($"no Dockerfile at {ScopedPath.Printable(requested)}", root);
        }

        if (!File.Exists(dockerfileResult.Path))
        {
            throw Missing($"{ScopedPath.Printable(requested)} is not a regular file", root);
        }

        string inContext = Path.GetRelativePath(contextResult.Path, dockerfileResult.Path);
        return new ResolvedContext(root, contextResult.Path, dockerfileResult.Path, inContext);
    }

    // Leading slashes mean "from the top" of the source (or context); the walk starts there anyway.
    private static string Clean(string? path)
    {
        string p = (path ?? string.Empty).Trim();
        if (p.Contains('\0', StringComparison.Ordinal))
        {
            throw new SourceException("A build path contains a NUL character. Fix the build trigger's context or Dockerfile path.");
        }

        return p.TrimStart('/');
    }

    private static string Relative(string root, string path) => Path.GetRelativePath(root, path);

    private static SourceException Missing(string what, string root)
    {
        List<string> found = FindDockerfiles(root);
        string listing = found.Count == 0
            ? "The source contains no Dockerfile."
            : $"Dockerfiles in the source: {string.Join(", ", found.Select(ScopedPath.Printable))}. Set the build's context and Dockerfile path to one of them.";
        return new SourceException($"{DockerfileParser.MissingDockerfile}: {what}. {listing}");
    }

    /// <summary>
    /// Up to ten files named like Dockerfiles, breadth first (shallow ones are the likely
    /// intent), in ordinal order within a directory, relative to the root. Symlinked
    /// directories are not entered.
    /// </summary>
    internal static List<string> FindDockerfiles(string root)
    {
        var found = new List<string>();
        var queue = new Queue<string>();
        queue.Enqueue(root);
        int searched = 0;
        var options = new EnumerationOptions { IgnoreInaccessible = true, AttributesToSkip = 0, RecurseSubdirectories = false };
        while (queue.Count > 0 && found.Count < MaxListedDockerfiles && searched < MaxEntriesSearched)
        {
            string directory = queue.Dequeue();
            FileSystemInfo[] entries;
            try
            {
                entries = new DirectoryInfo(directory).GetFileSystemInfos("*", options);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                continue;
            }

            Array.Sort(entries, static (a, b) => string.CompareOrdinal(a.Name, b.Name));
            foreach (FileSystemInfo entry in entries)
            {
                searched++;
                bool isLink = (entry.Attributes & FileAttributes.ReparsePoint) != 0;
                if (entry is DirectoryInfo && !isLink)
                {
                    if (entry.Name != ".git")
                    {
                        queue.Enqueue(entry.FullName);
                    }
                }
                else if (LooksLikeDockerfile(entry.Name) && found.Count < MaxListedDockerfiles)
                {
                    found.Add(Path.GetRelativePath(root, entry.FullName));
                }
            }
        }

        return found;
    }

    private static bool LooksLikeDockerfile(string name) =>
        name.Equals("Dockerfile", StringComparison.OrdinalIgnoreCase)
        || name.Equals("Containerfile", StringComparison.OrdinalIgnoreCase)
        || name.StartsWith("Dockerfile.", StringComparison.OrdinalIgnoreCase)
        || name.StartsWith("Containerfile.", StringComparison.OrdinalIgnoreCase)
        || name.EndsWith(".dockerfile", StringComparison.OrdinalIgnoreCase)
        || name.EndsWith(".containerfile", StringComparison.OrdinalIgnoreCase);
}
