using System.Formats.Tar;
using System.Text;

namespace QuayBuilder.BuildContext.Tests.Packages;

[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class PackageKindsTests : IDisposable
{
    private readonly PackageWorkspace _workspace = new();

    public void Dispose() => _workspace.Dispose();

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

        var package = await PackageFetch.RunAsync(server, _workspace);

        Assert.Equal(kind, package.Kind);
        Assert.Equal(6, package.Entries);
        Assert.Equal("FROM busybox\nCOPY . /app\n", File.ReadAllText(_workspace.PathOf("Dockerfile")));
        Assert.Equal(TestArchives.Mode644, File.GetUnixFileMode(_workspace.PathOf("Dockerfile")));
        Assert.Equal(TestArchives.Mode755, File.GetUnixFileMode(_workspace.PathOf("bin/run.sh")));
        Assert.Equal(TestArchives.Mode750, File.GetUnixFileMode(_workspace.PathOf("data")));
        Assert.Equal(new DateTime(2024, 1, 2, 3, 4, 5, DateTimeKind.Utc), File.GetLastWriteTimeUtc(_workspace.PathOf("Dockerfile")));
        Assert.Equal("../bin/run.sh", new FileInfo(_workspace.PathOf("data/run-link")).LinkTarget);
        AssertHardLinked(_workspace.PathOf("data/run-hard"), _workspace.PathOf("bin/run.sh"));
        Assert.Equal(Encoding.UTF8.GetByteCount("FROM busybox\nCOPY . /app\n#!/bin/sh\necho hi\n"), package.Bytes);
        Assert.Contains(_workspace.Log, line => line.Contains($"is {(kind == "tar" ? "a tar" : "a")}", StringComparison.Ordinal));
        PackageFetch.AssertNoSecret(new InvalidOperationException(string.Join('\n', _workspace.Log)), _workspace);
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

        var package = await PackageFetch.RunAsync(server, _workspace);

        Assert.Equal("zip", package.Kind);
        Assert.Equal(5, package.Entries);
        Assert.Equal("FROM busybox\n", File.ReadAllText(_workspace.PathOf("Dockerfile")));
        Assert.Equal(TestArchives.Mode755, File.GetUnixFileMode(_workspace.PathOf("bin/run.sh")));
        Assert.Equal(TestArchives.Mode644, File.GetUnixFileMode(_workspace.PathOf("plain.txt")));
        Assert.Equal("run.sh", new FileInfo(_workspace.PathOf("bin/link")).LinkTarget);
        // The spool file next to the destination is gone.
        Assert.Equal(["dest", "sentinel"], Directory.GetFileSystemEntries(_workspace.Root).Select(Path.GetFileName).Order());
    }

    [Fact]
    public async Task Fetch_WhenServedBareDockerfileAsOctetStream_WritesDockerfileAtRoot()
    {
        var text = "# syntax=docker/dockerfile:1\nFROM busybox\nRUN echo héllo\n";
        await using var server = LoopbackHttpServer.Serving(Encoding.UTF8.GetBytes(text), "application/octet-stream");

        var package = await PackageFetch.RunAsync(server, _workspace);

        Assert.Equal("dockerfile", package.Kind);
        Assert.Equal(1, package.Entries);
        Assert.Equal(["Dockerfile"], Directory.GetFileSystemEntries(_workspace.Destination).Select(Path.GetFileName));
        Assert.Equal(text, File.ReadAllText(_workspace.PathOf("Dockerfile")));
    }

    [Fact]
    public async Task ExtractFile_WhenLocalTarGz_ExtractsLikeADownload()
    {
        var archive = Path.Join(_workspace.Root, "package.tgz");
        File.WriteAllBytes(archive, TestArchives.Gzip(TestArchives.Tar(TestArchives.StandardTree())));

        var package = await PackageFetcher.ExtractFileAsync(archive, _workspace.Destination, SourceLimits.Default, _workspace.Progress, CancellationToken.None);

        Assert.Equal("tar.gz", package.Kind);
        Assert.Equal(TestArchives.Mode755, File.GetUnixFileMode(_workspace.PathOf("bin/run.sh")));
        AssertHardLinked(_workspace.PathOf("data/run-hard"), _workspace.PathOf("bin/run.sh"));
    }

    [Fact]
    public async Task ExtractFile_WhenLocalZip_ReadsItInPlace()
    {
        var archive = Path.Join(_workspace.Root, "package.zip");
        File.WriteAllBytes(archive, TestArchives.Zip(("Dockerfile", "FROM busybox\n", 0x81A4)));

        var package = await PackageFetcher.ExtractFileAsync(archive, _workspace.Destination, SourceLimits.Default, _workspace.Progress, CancellationToken.None);

        Assert.Equal("zip", package.Kind);
        Assert.Equal("FROM busybox\n", File.ReadAllText(_workspace.PathOf("Dockerfile")));
    }

    [Fact]
    public async Task Fetch_WhenMemberAppearsTwice_LaterOneWinsWithoutFollowingTheFirst()
    {
        var tar = TestArchives.Tar(
            TestArchives.Symlink("config", "Dockerfile"),
            TestArchives.File("Dockerfile", "FROM busybox\n"),
            TestArchives.File("config", "replaced"));
        await using var server = LoopbackHttpServer.Serving(tar);

        await PackageFetch.RunAsync(server, _workspace);

        Assert.Null(new FileInfo(_workspace.PathOf("config")).LinkTarget);
        Assert.Equal("replaced", File.ReadAllText(_workspace.PathOf("config")));
        Assert.Equal("FROM busybox\n", File.ReadAllText(_workspace.PathOf("Dockerfile")));
    }

    /// <summary>Two names for one inode: a write through one shows through the other.</summary>
    private static void AssertHardLinked(string link, string original)
    {
        Assert.Null(new FileInfo(link).LinkTarget);
        File.AppendAllText(link, "appended");
        Assert.EndsWith("appended", File.ReadAllText(original), StringComparison.Ordinal);
    }
}
