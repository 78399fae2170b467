using System.Diagnostics;
using System.Text;

namespace QuayBuilder.BuildContext.Tests.Packages;

public sealed class PackageHttpTests : IDisposable
{
    private readonly PackageWorkspace _workspace = new();

    public void Dispose() => _workspace.Dispose();

    [Theory]
    [InlineData(400)]
    [InlineData(403)]
    public async Task Fetch_WhenUrlRefused_SaysExpiredOrNotSignedWithoutRetrying(int status)
    {
        await using var server = LoopbackHttpServer.Answering(status);

        var error = await Assert.ThrowsAsync<SourceException>(() => PackageFetch.RunAsync(server, _workspace));

        Assert.Contains("the build package URL was refused (expired or not signed for this worker?)", error.Message, StringComparison.OrdinalIgnoreCase);
        Assert.Contains($"HTTP {status}", error.Message, StringComparison.Ordinal);
        Assert.Contains("/package", error.Message, StringComparison.Ordinal);
        Assert.Equal(1, server.Requests);
        PackageFetch.AssertNoSecret(error, _workspace);
        _workspace.AssertNothingWritten();
    }

    [Fact]
    public async Task Fetch_WhenNotFound_SaysNotFound()
    {
        await using var server = LoopbackHttpServer.Answering(404);

        var error = await Assert.ThrowsAsync<SourceException>(() => PackageFetch.RunAsync(server, _workspace));

        Assert.Contains("not found", error.Message, StringComparison.Ordinal);
        Assert.Equal(1, server.Requests);
        PackageFetch.AssertNoSecret(error, _workspace);
        _workspace.AssertNothingWritten();
    }

    [Fact]
    public async Task Fetch_WhenServerErrorPersists_TriesThreeTimesThenFails()
    {
        await using var server = LoopbackHttpServer.Answering(500);

        var error = await Assert.ThrowsAsync<SourceException>(() => PackageFetch.RunAsync(server, _workspace));

        Assert.Equal(3, server.Requests);
        Assert.Contains("after 3 attempts: HTTP 500", error.Message, StringComparison.Ordinal);
        Assert.Equal(
            ["Downloading the build package failed (HTTP 500); retrying (1/2)", "Downloading the build package failed (HTTP 500); retrying (2/2)"],
            _workspace.Log.Where(line => line.Contains("retrying", StringComparison.Ordinal)));
        PackageFetch.AssertNoSecret(error, _workspace);
        _workspace.AssertNothingWritten();
    }

    [Fact]
    public async Task Fetch_WhenServerErrorIsTransient_SucceedsOnRetry()
    {
        var dockerfile = Encoding.UTF8.GetBytes("FROM busybox\n");
        await using var server = new LoopbackHttpServer((n, stream, ct) => n < 3
            ? LoopbackHttpServer.WriteResponseAsync(stream, 503, "text/plain", [], ct)
            : LoopbackHttpServer.WriteResponseAsync(stream, 200, "application/octet-stream", dockerfile, ct));

        var package = await PackageFetch.RunAsync(server, _workspace);

        Assert.Equal(3, server.Requests);
        Assert.Equal("dockerfile", package.Kind);
    }

    [Theory]
    [InlineData("<!DOCTYPE html>\n<html><body>Request has expired</body></html>", "text/html")]
    [InlineData("  <html><head><title>403</title></head></html>", "application/octet-stream")]
    [InlineData("<?xml version=\"1.0\"?><Error><Code>AccessDenied</Code></Error>", "application/xml")]
    public async Task Fetch_WhenBodyIsAnHtmlPage_SaysTheUrlReturnedAnHtmlPage(string body, string contentType)
    {
        await using var server = LoopbackHttpServer.Serving(Encoding.UTF8.GetBytes(body), contentType);

        var error = await Assert.ThrowsAsync<SourceException>(() => PackageFetch.RunAsync(server, _workspace));

        Assert.Contains("returned an HTML page", error.Message, StringComparison.Ordinal);
        _workspace.AssertNothingWritten();
    }

    [Fact]
    public async Task Fetch_WhenServerStallsMidDownload_FailsAfterTheIdleTimeout()
    {
        var tgz = TestArchives.Gzip(TestArchives.Tar(TestArchives.File("Dockerfile", "FROM x\n"), TestArchives.File("big", new string('x', 100_000))));
        await using var server = new LoopbackHttpServer(async (_, stream, ct) =>
        {
            var head = $"HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nContent-Length: {tgz.Length}\r\n\r\n";
            await stream.WriteAsync(Encoding.ASCII.GetBytes(head), ct);
            await stream.WriteAsync(tgz.AsMemory(0, tgz.Length / 2), ct);
            await stream.FlushAsync(ct);
            await Task.Delay(TimeSpan.FromSeconds(30), ct);
        });
        var clock = Stopwatch.StartNew();

        var error = await Assert.ThrowsAsync<SourceException>(() =>
            PackageFetch.RunAsync(server, _workspace, new SourceLimits { IdleTimeout = TimeSpan.FromSeconds(1) }));

        Assert.Contains("stalled", error.Message, StringComparison.Ordinal);
        Assert.Contains("PACKAGE_IDLE_TIMEOUT=1", error.Message, StringComparison.Ordinal);
        Assert.InRange(clock.Elapsed, TimeSpan.FromSeconds(0.9), TimeSpan.FromSeconds(10));
        _workspace.AssertNothingWritten();
    }

    [Fact]
    public async Task Fetch_WhenDownloadOutlastsDownloadTimeout_NamesTheLimit()
    {
        // Trickles a byte every 200 ms: never idle, but never done either.
        var tgz = TestArchives.Gzip(TestArchives.Tar(TestArchives.File("Dockerfile", "FROM x\n")));
        await using var server = new LoopbackHttpServer(async (_, stream, ct) =>
        {
            var head = $"HTTP/1.1 200 OK\r\nContent-Length: {tgz.Length}\r\n\r\n";
            await stream.WriteAsync(Encoding.ASCII.GetBytes(head), ct);
            foreach (var b in tgz)
            {
                await stream.WriteAsync(new[] { b }, ct);
                await stream.FlushAsync(ct);
                await Task.Delay(200, ct);
            }
        });

        var error = await Assert.ThrowsAsync<SourceException>(() => PackageFetch.RunAsync(
            server, _workspace, new SourceLimits { DownloadTimeout = TimeSpan.FromSeconds(2), IdleTimeout = TimeSpan.FromSeconds(1) }));

        Assert.Contains("PACKAGE_DOWNLOAD_TIMEOUT=2", error.Message, StringComparison.Ordinal);
        _workspace.AssertNothingWritten();
    }

    [Fact]
    public async Task Fetch_WhenConnectionClosesBeforeContentLength_SaysTheDownloadWasInterrupted()
    {
        var random = new Random(7);
        var noise = new string(Enumerable.Range(0, 200_000).Select(_ => (char)random.Next('a', 'z' + 1)).ToArray());
        var tgz = TestArchives.Gzip(TestArchives.Tar(TestArchives.File("Dockerfile", "FROM x\n"), TestArchives.File("big", noise)));
        await using var server = new LoopbackHttpServer(async (_, stream, ct) =>
        {
            var head = $"HTTP/1.1 200 OK\r\nContent-Length: {tgz.Length}\r\nConnection: close\r\n\r\n";
            await stream.WriteAsync(Encoding.ASCII.GetBytes(head), ct);
            await stream.WriteAsync(tgz.AsMemory(0, tgz.Length - 10), ct);
        });

        var error = await Assert.ThrowsAsync<SourceException>(() => PackageFetch.RunAsync(server, _workspace));

        Assert.Contains("gzip-compressed tar archive", error.Message, StringComparison.Ordinal);
        Assert.Contains("interrupted", error.Message, StringComparison.Ordinal);
        _workspace.AssertNothingWritten();
    }

    [Fact]
    public async Task Fetch_WhenNothingListens_RetriesThenSaysItCouldNotDownload()
    {
        var server = LoopbackHttpServer.Answering(200);
        var url = server.Url();
        await server.DisposeAsync();
        var fetcher = new PackageFetcher(PackageFetcher.CreateHttpClient(SourceLimits.Default, null), SourceLimits.Default, PackageFetch.Retry(TimeSpan.FromMilliseconds(10)));

        var error = await Assert.ThrowsAsync<SourceException>(() =>
            fetcher.FetchAsync(url, _workspace.Destination, _workspace.Progress, CancellationToken.None));

        Assert.Contains("after 3 attempts", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(PackageFetch.Signature, error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Fetch_WhenCancelled_ThrowsOperationCanceledAndDeletesDestination()
    {
        await using var server = new LoopbackHttpServer(async (_, stream, ct) =>
        {
            await stream.WriteAsync(Encoding.ASCII.GetBytes("HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n\u001f\u008b"), ct);
            await Task.Delay(TimeSpan.FromSeconds(30), ct);
        });
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(500));
        var fetcher = new PackageFetcher(PackageFetcher.CreateHttpClient(SourceLimits.Default, null), SourceLimits.Default, PackageFetch.Retry(TimeSpan.FromSeconds(2)));

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() =>
            fetcher.FetchAsync(server.Url(), _workspace.Destination, _workspace.Progress, cancel.Token));

        _workspace.AssertNothingWritten();
    }

    [Fact]
    public async Task Fetch_WhenUrlIsNotHttp_Refuses()
    {
        var fetcher = new PackageFetcher(PackageFetcher.CreateHttpClient(SourceLimits.Default, null), SourceLimits.Default, PackageFetch.Retry(TimeSpan.FromSeconds(2)));

        var error = await Assert.ThrowsAsync<SourceException>(() =>
            fetcher.FetchAsync(new Uri("file:///etc/passwd"), _workspace.Destination, _workspace.Progress, CancellationToken.None));

        Assert.Contains("http or https", error.Message, StringComparison.Ordinal);
    }
}
