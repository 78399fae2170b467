using System.Formats.Tar;
using System.Text;

namespace QuayBuilder.BuildContext.Tests.Packages;

[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class PackageKindsTests : IDisposable
{
    private readonly PackageWorkspace workspace = new();

    public void Dispose() => workspace.Dispose();

    public static TheoryData<string> TarKinds => new() { "tar", "tar.gz", "tar.bz2", "tar.xz" };

    [Theory]
    [MemberData(nameof(TarKinds))]
    public async Task Fetch_WhenServedTarKind_ExtractsFilesModesSymlinksAndHardLinks(string kind)
    {
        var tar = TestArchives.Tar(TestArchives.StandardTree());
        var body = kind switch
        {
            "tar.gz" => TestArchives.Gzip(tar),
            "tar.bz2" => TestArchives.Bzip2(tar),
            "tar.xz" => TestArchives.Xz(tar),
            _ => tar,
        };
        await using var server = LoopbackHttpServer.Serving(body);

        var package = await PackageFetch.RunAsync(server, workspace);

        Assert.Equal(kind, package.Kind);
        Assert.Equal(6, package.Entries);
        Assert.Equal("FROM busybox\nCOPY . /app\n", File.ReadAllText(workspace.PathOf("Dockerfile")));
        Assert.Equal(TestArchives.Mode644, File.GetUnixFileMode(workspace.PathOf("Dockerfile")));
        Assert.Equal(TestArchives.Mode755, File.GetUnixFileMode(workspace.PathOf("bin/run.sh")));
        Assert.Equal(TestArchives.Mode750, File.GetUnixFileMode(workspace.PathOf("data")));
        Assert.Equal(new DateTime(2024, 1, 2, 3, 4, 5, DateTimeKind.Utc), File.GetLastWriteTimeUtc(workspace.PathOf("Dockerfile")));
        Assert.Equal("../bin/run.sh", new FileInfo(workspace.PathOf("data/run-link")).LinkTarget);
        AssertHardLinked(workspace.PathOf("data/run-hard"), workspace.PathOf("bin/run.sh"));
        Assert.Equal(Encoding.UTF8.GetByteCount("FROM busybox\nCOPY . /app\n#!/bin/sh\necho hi\n"), package.Bytes);
        Assert.Contains(workspace.Log, line => line.Contains($"is {(kind == "tar" ? "a tar" : "a")}", StringComparison.Ordinal));
        PackageFetch.AssertNoSecret(new InvalidOperationException(string.Join('\n', workspace.Log)), workspace);
    }

    [Fact]
    public async Task Fetch_WhenServedZip_ExtractsFilesModesAndSymlinks()
    {
        var zip = TestArchives.Zip(
            ("Dockerfile", "FROM busybox\n", 0x81A4),
            ("bin/", "", 0x41ED),
            ("bin/run.sh", "#!/bin/sh\n", 0x81ED),
            ("bin/link", "run.sh", 0xA1FF),
            ("plain.txt", "no unix mode", 0));
        await using var server = LoopbackHttpServer.Serving(zip);

        var package = await PackageFetch.RunAsync(server, workspace);

        Assert.Equal("zip", package.Kind);
        Assert.Equal(5, package.Entries);
        Assert.Equal("FROM busybox\n", File.ReadAllText(workspace.PathOf("Dockerfile")));
        Assert.Equal(TestArchives.Mode755, File.GetUnixFileMode(workspace.PathOf("bin/run.sh")));
        Assert.Equal(TestArchives.Mode644, File.GetUnixFileMode(workspace.PathOf("plain.txt")));
        Assert.Equal("run.sh", new FileInfo(workspace.PathOf("bin/link")).LinkTarget);
        // The spool file next to the destination is gone.
        Assert.Equal(["dest", "sentinel"], Directory.GetFileSystemEntries(workspace.Root).Select(Path.GetFileName).Order());
    }

    [Fact]
    public async Task Fetch_WhenServedBareDockerfileAsOctetStream_WritesDockerfileAtRoot()
    {
        var text = "# syntax=docker/dockerfile:1\nFROM busybox\nRUN echo héllo\n";
        await using var server = LoopbackHttpServer.Serving(Encoding.UTF8.GetBytes(text), "application/octet-stream");

        var package = await PackageFetch.RunAsync(server, workspace);

        Assert.Equal("dockerfile", package.Kind);
        Assert.Equal(1, package.Entries);
        Assert.Equal(["Dockerfile"], Directory.GetFileSystemEntries(workspace.Destination).Select(Path.GetFileName));
        Assert.Equal(text, File.ReadAllText(workspace.PathOf("Dockerfile")));
    }

    [Fact]
    public async Task ExtractFile_WhenLocalTarGz_ExtractsLikeADownload()
    {
        var archive = Path.Join(workspace.Root, "package.tgz");
        File.WriteAllBytes(archive, TestArchives.Gzip(TestArchives.Tar(TestArchives.StandardTree())));

        var package = await PackageFetcher.ExtractFileAsync(archive, workspace.Destination, SourceLimits.Default, workspace.Progress, CancellationToken.None);

        Assert.Equal("tar.gz", package.Kind);
        Assert.Equal(TestArchives.Mode755, File.GetUnixFileMode(workspace.PathOf("bin/run.sh")));
        AssertHardLinked(workspace.PathOf("data/run-hard"), workspace.PathOf("bin/run.sh"));
    }

    [Fact]
    public async Task ExtractFile_WhenLocalZip_ReadsItInPlace()
    {
        var archive = Path.Join(workspace.Root, "package.zip");
        File.WriteAllBytes(archive, TestArchives.Zip(("Dockerfile", "FROM busybox\n", 0x81A4)));

        var package = await PackageFetcher.ExtractFileAsync(archive, workspace.Destination, SourceLimits.Default, workspace.Progress, CancellationToken.None);

        Assert.Equal("zip", package.Kind);
        Assert.Equal("FROM busybox\n", File.ReadAllText(workspace.PathOf("Dockerfile")));
    }

    [Fact]
    public async Task Fetch_WhenMemberAppearsTwice_LaterOneWinsWithoutFollowingTheFirst()
    {
        var tar = TestArchives.Tar(
            TestArchives.Symlink("config", "Dockerfile"),
            TestArchives.File("Dockerfile", "FROM busybox\n"),
            TestArchives.File("config", "replaced"));
        await using var server = LoopbackHttpServer.Serving(tar);

        await PackageFetch.RunAsync(server, workspace);

        Assert.Null(new FileInfo(workspace.PathOf("config")).LinkTarget);
        Assert.Equal("replaced", File.ReadAllText(workspace.PathOf("config")));
        Assert.Equal("FROM busybox\n", File.ReadAllText(workspace.PathOf("Dockerfile")));
    }

    /// <summary>Two names for one inode: a write through one shows through the other.</summary>
    private static void AssertHardLinked(string link, string original)
    {
        Assert.Null(new FileInfo(link).LinkTarget);
        File.AppendAllText(link, "appended");
        Assert.EndsWith("appended", File.ReadAllText(original), StringComparison.Ordinal);
    }
}
