using System.Security.Cryptography;

namespace QuayBuilder.Build;

/// <summary>The job's private work directory: made 0700, and removable whatever an archive did to its modes.</summary>
internal static class WorkDirectory
{
    private const UnixFileMode OwnerAll = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;

    /// <summary>A fresh 0700 directory: sources and the deploy key live here and nowhere else.</summary>
    public static string Create(string root)
    {
        var path = Path.Combine(root, "quay-builder-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8)));
        Directory.CreateDirectory(path, OwnerAll);
        return path;
    }

    /// <summary>
    /// Deletes <paramref name="path"/> and everything under it. An archive may have made
    /// directories without owner write (or read/search) permission; a non-root worker could then
    /// delete nothing inside them, so every directory first gets u+rwx. Symbolic links are
    /// deleted, never followed.
    /// </summary>
    public static void Delete(string path)
    {
        if (!Directory.Exists(path))
        {
            return;
        }

        GrantOwnerAccess(path);
        Directory.Delete(path, recursive: true);
    }

    /// <summary>Gives the owner rwx on <paramref name="directory"/> and every directory below it (not through links).</summary>
    internal static void GrantOwnerAccess(string directory)
    {
        var pending = new Stack<string>();
        pending.Push(directory);
        while (pending.TryPop(out var current))
        {
            var mode = File.GetUnixFileMode(current);
            if ((mode & OwnerAll) != OwnerAll)
            {
                File.SetUnixFileMode(current, mode | OwnerAll);
            }

            foreach (var child in new DirectoryInfo(current).EnumerateDirectories("*", new EnumerationOptions { AttributesToSkip = FileAttributes.ReparsePoint, IgnoreInaccessible = false }))
            {
                pending.Push(child.FullName);
            }
        }
    }
}
