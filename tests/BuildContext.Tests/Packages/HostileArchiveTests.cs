using System.Formats.Tar;
using System.Runtime.Versioning;
using System.Text;

namespace QuayBuilder.BuildContext.Tests.Packages;

/// <summary>
/// The hostile corpus: every package here must be refused with a message naming the bad
/// entry, the destination deleted, and nothing written beside it (the sentinel directory).
/// </summary>
[UnsupportedOSPlatform("windows")]
public sealed class HostileArchiveTests : IDisposable
{
    private readonly PackageWorkspace _workspace = new();

    public void Dispose() => _workspace.Dispose();

    [Fact]
    public async Task Fetch_WhenMemberHasDotDot_RefusesNamingEntry()
    {
        var tar = TestArchives.Tar(TestArchives.File("Dockerfile", "FROM x\n"), TestArchives.File("../sentinel/evil", "pwned"));

        var error = await PackageFetch.RefusedAsync(TestArchives.Gzip(tar), _workspace);

        Assert.Contains("'../sentinel/evil'", error.Message, StringComparison.Ordinal);
        Assert.Contains("'..'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Fetch_WhenMemberIsAbsolutePath_RefusesNamingEntry()
    {
        var absolute = Path.Join(_workspace.Sentinel, "evil");
        var tar = TestArchives.Tar(TestArchives.File(absolute, "pwned"));

        var error = await PackageFetch.RefusedAsync(tar, _workspace);

        Assert.Contains(absolute, error.Message, StringComparison.Ordinal);
        Assert.Contains("absolute path", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Fetch_WhenSymlinkPointsOutside_RefusesTheLinkBeforeAnythingGoesThroughIt()
    {
        var tar = TestArchives.Tar(TestArchives.Symlink("escape", "../sentinel"), TestArchives.File("escape/evil", "pwned"));

        var error = await PackageFetch.RefusedAsync(tar, _workspace);

        Assert.Contains("'escape'", error.Message, StringComparison.Ordinal);
        Assert.Contains("outside the build context", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Fetch_WhenSymlinkIsAbsolute_Refuses()
    {
        var tar = TestArchives.Tar(TestArchives.Symlink("escape", _workspace.Sentinel), TestArchives.File("escape/evil", "pwned"));

        var error = await PackageFetch.RefusedAsync(tar, _workspace);

        Assert.Contains("'escape'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Fetch_WhenMemberIsWrittenThroughAnInsideSymlink_RefusesNamingEntry()
    {
        // The link itself is harmless; writing through it is what the rule forbids, because
        // a chain of such links can still lead outside.
        var tar = TestArchives.Tar(
            TestArchives.Directory("real/"),
            TestArchives.Symlink("link", "real"),
            TestArchives.File("link/file", "through"));

        var error = await PackageFetch.RefusedAsync(tar, _workspace);

        Assert.Contains("'link/file'", error.Message, StringComparison.Ordinal);
        Assert.Contains("nothing is ever written through one", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Fetch_WhenSymlinkChainLeadsOutside_NothingIsWrittenThroughIt()
    {
        // d/up -> .. is inside (it is the root); x -> d/up/.. is lexically inside (d) but
        // really the work directory. Writing x/sentinel/evil must not reach the sentinel.
        var tar = TestArchives.Tar(
            TestArchives.Directory("d/"),
            TestArchives.Symlink("d/up", ".."),
            TestArchives.Symlink("x", "d/up/.."),
            TestArchives.File("x/sentinel/evil", "pwned"));

        var error = await PackageFetch.RefusedAsync(tar, _workspace);

        Assert.Contains("'x/sentinel/evil'", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("../sentinel/keep")]
    [InlineData("/etc/passwd")]
    public async Task Fetch_WhenHardLinkPointsOutside_RefusesNamingEntry(string target)
    {
        var tar = TestArchives.Tar(TestArchives.File("Dockerfile", "FROM x\n"), TestArchives.HardLink("stolen", target));

        var error = await PackageFetch.RefusedAsync(tar, _workspace);

        Assert.Contains("'stolen'", error.Message, StringComparison.Ordinal);
        Assert.Contains("hard link", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Fetch_WhenHardLinkPointsAtASymlink_Refuses()
    {
        var tar = TestArchives.Tar(TestArchives.Symlink("s", "Dockerfile"), TestArchives.HardLink("h", "s"));

        var error = await PackageFetch.RefusedAsync(tar, _workspace);

        Assert.Contains("'h'", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(TarEntryType.CharacterDevice, "device node")]
    [InlineData(TarEntryType.BlockDevice, "device node")]
    [InlineData(TarEntryType.Fifo, "FIFO")]
    public async Task Fetch_WhenMemberIsDeviceOrFifo_RefusesNamingEntry(TarEntryType type, string what)
    {
        var tar = TestArchives.Tar(TestArchives.File("Dockerfile", "FROM x\n"), TestArchives.Special(type, "dev/thing"));

        var error = await PackageFetch.RefusedAsync(TestArchives.Gzip(tar), _workspace);

        Assert.Contains("'dev/thing'", error.Message, StringComparison.Ordinal);
        Assert.Contains(what, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Fetch_WhenMembersHaveSetuidSetgidSticky_DropsThoseBitsAndSaysSo()
    {
        var tar = TestArchives.Tar(
            TestArchives.File("suid", "x", (UnixFileMode)0x9ED), // 04755
            TestArchives.File("sgid", "x", (UnixFileMode)0x5ED), // 02755
            TestArchives.Directory("sticky/", (UnixFileMode)0x3FF)); // 01777
        await using var server = LoopbackHttpServer.Serving(tar);

        await PackageFetch.RunAsync(server, _workspace);

        Assert.Equal(TestArchives.Mode755, File.GetUnixFileMode(_workspace.PathOf("suid")));
        Assert.Equal(TestArchives.Mode755, File.GetUnixFileMode(_workspace.PathOf("sgid")));
        Assert.Equal((UnixFileMode)0x1FF, File.GetUnixFileMode(_workspace.PathOf("sticky")));
        Assert.Contains(_workspace.Log, line => line.Contains("Dropped setuid/setgid/sticky bits from 3 entries", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("../sentinel/evil")]
    [InlineData("..\\..\\evil")]
    [InlineData("/tmp/evil")]
    public async Task Fetch_WhenZipSlip_RefusesNamingEntry(string name)
    {
        var zip = TestArchives.Zip(("Dockerfile", "FROM x\n", 0x81A4), (name, "pwned", 0x81A4));

        var error = await PackageFetch.RefusedAsync(zip, _workspace);

        Assert.Contains(name.Replace('\\', '/'), error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Fetch_WhenZipSymlinkPointsOutside_Refuses()
    {
        var zip = TestArchives.Zip(("escape", "../sentinel", 0xA1FF), ("escape/evil", "pwned", 0x81A4));

        var error = await PackageFetch.RefusedAsync(zip, _workspace);

        Assert.Contains("'escape'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Fetch_WhenGzipTruncated_SaysItEndsEarly()
    {
        var tgz = TestArchives.Gzip(TestArchives.Tar(TestArchives.File("Dockerfile", "FROM x\n"), TestArchives.File("big", RandomText(200_000))));

        var error = await PackageFetch.RefusedAsync(tgz[..(tgz.Length / 2)], _workspace);

        Assert.Contains("gzip-compressed tar archive", error.Message, StringComparison.Ordinal);
        Assert.Contains("ends early", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Fetch_WhenTarTruncatedInsideAMember_SaysItEndsEarly()
    {
        var tar = TestArchives.Tar(TestArchives.File("Dockerfile", "FROM x\n"), TestArchives.File("big", RandomText(20_000)));

        var error = await PackageFetch.RefusedAsync(tar[..5000], _workspace);

        Assert.Contains("a tar archive", error.Message, StringComparison.Ordinal);
        Assert.Contains("ends early", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Fetch_WhenZipCentralDirectoryIsDamaged_SaysSo()
    {
        var zip = TestArchives.Zip(("Dockerfile", "FROM x\n", 0x81A4));
        // Destroy the end-of-central-directory record's signature.
        zip[^22] = 0;

        var error = await PackageFetch.RefusedAsync(zip, _workspace);

        Assert.Contains("central directory", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Fetch_WhenBinaryJunk_SaysUnsupportedKindWithDetectedType()
    {
        var sevenZip = new byte[] { 0x37, 0x7A, 0xBC, 0xAF, 0x27, 0x1C, 0, 4, 1, 2, 3 };

        var error = await PackageFetch.RefusedAsync(sevenZip, _workspace);

        Assert.Equal("Unsupported kind of build package: a 7-Zip archive", error.Message);
    }

    [Fact]
    public async Task Fetch_WhenControlCharactersInName_MessageShowsThemEscaped()
    {
        var tar = TestArchives.Tar(TestArchives.File("../\u001b[31mred\tline", "x"));

        var error = await PackageFetch.RefusedAsync(tar, _workspace);

        Assert.Contains("'../?[31mred?line'", error.Message, StringComparison.Ordinal);
    }

    private static string RandomText(int length)
    {
        var random = new Random(42);
        var builder = new StringBuilder(length);
        for (var i = 0; i < length; i++)
        {
            builder.Append((char)random.Next('a', 'z' + 1));
        }

        return builder.ToString();
    }
}
