using QuayBuilder.Build;

namespace QuayBuilder.Tests.Build;

public sealed class WorkDirectoryTests
{
    private const UnixFileMode ReadOnlyDirectory = UnixFileMode.UserRead | UnixFileMode.UserExecute | UnixFileMode.GroupRead | UnixFileMode.GroupExecute;

    /// <summary>A tree as an archive may leave it: directories (one nested) without owner write, one without any owner access.</summary>
    private static (string Root, string[] Locked) MakeLockedTree()
    {
        var root = WorkDirectory.Create(Path.GetTempPath());
        var outer = Path.Combine(root, "source", "ro");
        var inner = Path.Combine(outer, "nested");
        var closed = Path.Combine(root, "source", "closed");
        Directory.CreateDirectory(inner);
        Directory.CreateDirectory(closed);
        File.WriteAllText(Path.Combine(inner, "file"), "x");
        File.WriteAllText(Path.Combine(closed, "file"), "x");
        File.CreateSymbolicLink(Path.Combine(outer, "link-to-tmp"), Path.GetTempPath());
        File.SetUnixFileMode(inner, ReadOnlyDirectory);
        File.SetUnixFileMode(outer, ReadOnlyDirectory);
        File.SetUnixFileMode(closed, UnixFileMode.None);
        return (root, [outer, inner, closed]);
    }

    [Fact]
    public void GrantOwnerAccess_GivesEveryDirectoryOwnerRwxWithoutFollowingLinks()
    {
        var (root, locked) = MakeLockedTree();
        var tmpMode = File.GetUnixFileMode(Path.GetTempPath());
        try
        {
            WorkDirectory.GrantOwnerAccess(root);

            foreach (var directory in locked)
            {
                var mode = File.GetUnixFileMode(directory);
                Assert.True(mode.HasFlag(UnixFileMode.UserWrite | UnixFileMode.UserRead | UnixFileMode.UserExecute), $"{directory}: {mode}");
            }

            Assert.Equal(tmpMode, File.GetUnixFileMode(Path.GetTempPath()));
        }
        finally
        {
            WorkDirectory.Delete(root);
        }
    }

    [Fact]
    public void Delete_WhenAnArchiveMadeDirectoriesWithoutOwnerWrite_RemovesTheWholeTree()
    {
        // As root the deletion alone would pass without the fix; the test above pins the fix down.
        var (root, _) = MakeLockedTree();

        WorkDirectory.Delete(root);

        Assert.False(Directory.Exists(root));
        Assert.True(Directory.Exists(Path.GetTempPath()));
    }
}
