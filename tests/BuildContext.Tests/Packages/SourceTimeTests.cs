using System.Formats.Tar;
using System.Text;

namespace QuayBuilder.BuildContext.Tests.Packages;

/// <summary>The source time of reproducible builds: the newest regular file's modification time.</summary>
public sealed class SourceTimeTests : IDisposable
{
    private static readonly DateTimeOffset Older = new(2021, 5, 6, 7, 8, 9, TimeSpan.Zero);
    private static readonly DateTimeOffset Newer = new(2022, 5, 6, 7, 8, 9, TimeSpan.Zero);
    private static readonly DateTimeOffset Newest = new(2030, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private readonly PackageWorkspace _workspace = new();

    public void Dispose() => _workspace.Dispose();

    [Fact]
    public async Task Fetch_WhenTar_ReportsTheNewestFileTimeAndIgnoresDirectoryTimes()
    {
        var tar = TestArchives.Tar(
            File("Dockerfile", Older),
            new PaxTarEntry(TarEntryType.Directory, "app/") { Mode = TestArchives.Mode755, ModificationTime = Newest },
            File("app/main.sh", Newer),
            new PaxTarEntry(TarEntryType.SymbolicLink, "app/link") { LinkName = "main.sh", ModificationTime = Newest });
        await using var server = LoopbackHttpServer.Serving(TestArchives.Gzip(tar));

        var package = await PackageFetch.RunAsync(server, _workspace);

        Assert.Equal(Newer, package.NewestFileTime);
    }

    [Fact]
    public async Task Fetch_WhenBareDockerfile_HasNoFileTime()
    {
        await using var server = LoopbackHttpServer.Serving(Encoding.UTF8.GetBytes("FROM busybox\n"), "text/plain");

        var package = await PackageFetch.RunAsync(server, _workspace);

        Assert.Equal("dockerfile", package.Kind);
        Assert.Null(package.NewestFileTime);
    }

    [Fact]
    public void NewestFile_WhenDirectory_IgnoresGitMetadataDirectoriesAndSymlinks()
    {
        var root = Path.Join(_workspace.Root, "tree");
        Directory.CreateDirectory(Path.Join(root, "src"));
        Directory.CreateDirectory(Path.Join(root, ".git"));
        Write(Path.Join(root, "Dockerfile"), Older);
        Write(Path.Join(root, "src", "main.c"), Newer);
        Write(Path.Join(root, ".git", "index"), Newest);
        System.IO.File.CreateSymbolicLink(Path.Join(root, "link"), "/etc/hostname");
        Directory.SetLastWriteTimeUtc(Path.Join(root, "src"), Newest.UtcDateTime);

        Assert.Equal(Newer, SourceTime.NewestFile(root));
    }

    [Fact]
    public void NewestFile_WhenNoFile_IsNull()
    {
        var root = Directory.CreateDirectory(Path.Join(_workspace.Root, "empty")).FullName;

        Assert.Null(SourceTime.NewestFile(root));
    }

    private static PaxTarEntry File(string name, DateTimeOffset modified)
    {
        var entry = TestArchives.File(name, name);
        entry.ModificationTime = modified;
        return entry;
    }

    private static void Write(string path, DateTimeOffset modified)
    {
        System.IO.File.WriteAllText(path, path);
        System.IO.File.SetLastWriteTimeUtc(path, modified.UtcDateTime);
    }
}
