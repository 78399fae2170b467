using System.Diagnostics;
using System.Formats.Tar;
using System.Text;

namespace QuayBuilder.BuildContext.Tests.Packages;

public sealed class PackageLimitsTests : IDisposable
{
    private static readonly Lazy<byte[]> Bomb = new(() => TestArchives.GzipBomb(100));

    private readonly PackageWorkspace _workspace = new();

    public void Dispose() => _workspace.Dispose();

    [Fact]
    public void GzipBomb_IsAGigabyteOfZerosInAboutAMegabyte()
    {
        Assert.InRange(Bomb.Value.Length, 100_000, 3_000_000);
    }

    [Fact]
    public async Task Fetch_WhenGzipBombExceedsMaxTotalBytes_StopsAtTheLimitQuickly()
    {
        var limits = new SourceLimits { MaxTotalBytes = 25L << 20 };
        var clock = Stopwatch.StartNew();

        var error = await PackageFetch.RefusedAsync(Bomb.Value, _workspace, limits);

        Assert.Contains("PACKAGE_MAX_BYTES=26214400", error.Message, StringComparison.Ordinal);
        Assert.Contains("'zeros/002'", error.Message, StringComparison.Ordinal);
        Assert.InRange(clock.Elapsed, TimeSpan.Zero, TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task Fetch_WhenGzipBombUnderDefaultLimit_ExtractsAllOfItStreaming()
    {
        await using var server = LoopbackHttpServer.Serving(Bomb.Value);

        var package = await PackageFetch.RunAsync(server, _workspace);

        Assert.Equal(100L * (10L << 20), package.Bytes);
        Assert.Equal(100, package.Entries);
        Assert.Equal(10L << 20, new FileInfo(_workspace.PathOf("zeros/099")).Length);
    }

    [Fact]
    public async Task Fetch_WhenBareDockerfileExceedsMaxTotalBytes_CountsBytesAsWritten()
    {
        // A Dockerfile has no header announcing its size: only counting while writing stops it.
        var text = Encoding.UTF8.GetBytes("FROM busybox\n" + new string('#', 10_000));

        var error = await PackageFetch.RefusedAsync(text, _workspace, new SourceLimits { MaxTotalBytes = 4096 });

        Assert.Contains("PACKAGE_MAX_BYTES=4096", error.Message, StringComparison.Ordinal);
        Assert.Contains("'Dockerfile'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Fetch_WhenManyTinyEntriesExceedMaxEntries_RefusesNamingTheLimit()
    {
        var entries = Enumerable.Range(0, 2000).Select(i => (TarEntry)TestArchives.File($"tiny/{i}", "x")).ToArray();

        var error = await PackageFetch.RefusedAsync(TestArchives.Gzip(TestArchives.Tar(entries)), _workspace, new SourceLimits { MaxEntries = 1000 });

        Assert.Contains("more than 1000 entries", error.Message, StringComparison.Ordinal);
        Assert.Contains("PACKAGE_MAX_ENTRIES=1000", error.Message, StringComparison.Ordinal);
        Assert.Contains("'tiny/1000'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Fetch_WhenNameLongerThanMaxPathLength_RefusesNamingTheLimit()
    {
        var longName = string.Join('/', Enumerable.Repeat(new string('d', 100), 5)) + "/file";

        var error = await PackageFetch.RefusedAsync(
            TestArchives.Tar(TestArchives.File(longName, "x")), _workspace, new SourceLimits { MaxPathLength = 255 });

        Assert.Contains("PACKAGE_MAX_PATH_LENGTH", error.Message, StringComparison.Ordinal);
        Assert.Contains("509 bytes", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Fetch_WhenNameFarBeyondDefaultLimit_RefusesWithAShortenedName()
    {
        var longName = string.Join('/', Enumerable.Repeat(new string('d', 200), 40));

        var error = await PackageFetch.RefusedAsync(TestArchives.Tar(TestArchives.File(longName, "x")), _workspace);

        Assert.Contains("PACKAGE_MAX_PATH_LENGTH", error.Message, StringComparison.Ordinal);
        Assert.True(error.Message.Length < 600, error.Message);
    }

    [Fact]
    public async Task Fetch_WhenOneComponentIsTooLongForTheFileSystem_RefusesNamingEntry()
    {
        var name = new string('n', 300);

        var error = await PackageFetch.RefusedAsync(TestArchives.Tar(TestArchives.File(name, "x")), _workspace);

        Assert.Contains(name[..100], error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Fetch_WhenZipHasMoreEntriesThanMaxEntries_RefusesBeforeWritingAny()
    {
        var entries = Enumerable.Range(0, 50).Select(i => ($"tiny/{i}", "x", 0x81A4)).ToArray();

        var error = await PackageFetch.RefusedAsync(TestArchives.Zip(entries), _workspace, new SourceLimits { MaxEntries = 20 });

        Assert.Contains("PACKAGE_MAX_ENTRIES=20", error.Message, StringComparison.Ordinal);
        Assert.Contains("'tiny/20'", error.Message, StringComparison.Ordinal);
    }
}
