namespace QuayBuilder.BuildContext;

/// <summary>
/// The time a source tree was last changed, by the same rule as for archives
/// (<see cref="FetchedPackage.NewestFileTime"/>): the newest modification time of its regular
/// files. Git metadata (<c>.git</c>) is left out: git rewrites it on every fetch or status.
/// </summary>
public static class SourceTime
{
    /// <summary>Null when the tree holds no regular file. Symlinks are not followed.</summary>
    public static DateTimeOffset? NewestFile(string directory)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        DateTimeOffset? newest = null;
        var pending = new Stack<DirectoryInfo>();
        pending.Push(new DirectoryInfo(directory));
        var options = new EnumerationOptions { IgnoreInaccessible = true, AttributesToSkip = FileAttributes.ReparsePoint, RecurseSubdirectories = false };
        while (pending.Count > 0)
        {
            foreach (var entry in pending.Pop().EnumerateFileSystemInfos("*", options))
            {
                if (entry.Name == ".git")
                {
                    continue;
                }

                if (entry is DirectoryInfo child)
                {
                    pending.Push(child);
                }
                else
                {
                    var written = new DateTimeOffset(entry.LastWriteTimeUtc, TimeSpan.Zero);
                    if (newest is not { } known || written > known)
                    {
                        newest = written;
                    }
                }
            }
        }

        return newest;
    }
}
