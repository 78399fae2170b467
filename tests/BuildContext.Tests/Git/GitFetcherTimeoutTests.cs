using System.Diagnostics;

namespace QuayBuilder.BuildContext.Tests.Git;

/// <summary>
/// GitFetcher timeouts against a real sshd and silent servers: connect, idle and total, each killing git and ssh and saying which one fired.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class GitFetcherTimeoutTests(SshServerFixture server) : GitFetcherTestBase(server), IClassFixture<SshServerFixture>
{
    [Fact]
    public async Task FetchAsync_WhenPortIsClosed_ThrowsCloneErrorWithinConnectTimeout()
    {
        var log = new RecordingLog();
        int closedPort = LoopbackPort.Free();
        GitOptions options = Options with { ConnectTimeout = TimeSpan.FromSeconds(5) };
        var clock = Stopwatch.StartNew();

        SourceException error = await Assert.ThrowsAsync<SourceException>(
            () => Fetch(new GitSourceRequest($"ssh://root@127.0.0.1:{closedPort}/repo.git", Server.NewerSha, Server.UserKey), options, log));

        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), $"took {clock.Elapsed}");
        Assert.StartsWith($"Error cloning git repository (ssh://root@127.0.0.1:{closedPort}/repo.git): ", error.Message, StringComparison.Ordinal);
        Assert.Contains("Connection refused", error.Message, StringComparison.Ordinal);
        AssertCleanAfterwards(log.Text + error);
    }

    [Fact]
    public async Task FetchAsync_WhenServerNeverSpeaks_IdleTimeoutKillsSshAndSaysSo()
    {
        await using var silent = new SilentTcpServer();
        var log = new RecordingLog();
        GitOptions options = Options with { IdleTimeout = TimeSpan.FromSeconds(2), ConnectTimeout = TimeSpan.FromSeconds(60) };
        var clock = Stopwatch.StartNew();

        SourceException error = await Assert.ThrowsAsync<SourceException>(
            () => Fetch(new GitSourceRequest($"ssh://root@127.0.0.1:{silent.Port}/repo.git", Server.NewerSha, Server.UserKey), options, log));

        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"took {clock.Elapsed}");
        Assert.Equal(1, silent.Accepted);
        Assert.Contains("idle timeout, GIT_IDLE_TIMEOUT", error.Message, StringComparison.Ordinal);
        Assert.Empty(ProcessesMentioning(Scratch));
        AssertCleanAfterwards(log.Text + error);
    }

    [Fact]
    public async Task FetchAsync_WhenTotalTimeoutElapses_KillsGitAndSaysTotalTimeout()
    {
        await using var silent = new SilentTcpServer();
        var log = new RecordingLog();
        GitOptions options = Options with { IdleTimeout = TimeSpan.FromSeconds(60), TotalTimeout = TimeSpan.FromSeconds(2), ConnectTimeout = TimeSpan.FromSeconds(60) };
        var clock = Stopwatch.StartNew();

        SourceException error = await Assert.ThrowsAsync<SourceException>(
            () => Fetch(new GitSourceRequest($"ssh://root@127.0.0.1:{silent.Port}/repo.git", Server.NewerSha, Server.UserKey), options, log));

        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"took {clock.Elapsed}");
        Assert.Contains("total timeout, GIT_TOTAL_TIMEOUT", error.Message, StringComparison.Ordinal);
        Assert.Empty(ProcessesMentioning(Scratch));
        AssertCleanAfterwards(log.Text + error);
    }

    [Fact]
    public async Task FetchAsync_WhenServerNeverSendsBanner_ConnectTimeoutFires()
    {
        await using var silent = new SilentTcpServer();
        var log = new RecordingLog();
        GitOptions options = Options with { IdleTimeout = TimeSpan.FromSeconds(60), ConnectTimeout = TimeSpan.FromSeconds(2) };
        var clock = Stopwatch.StartNew();

        SourceException error = await Assert.ThrowsAsync<SourceException>(
            () => Fetch(new GitSourceRequest($"ssh://root@127.0.0.1:{silent.Port}/repo.git", Server.NewerSha, Server.UserKey), options, log));

        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"took {clock.Elapsed}");
        Assert.StartsWith("Error cloning git repository (", error.Message, StringComparison.Ordinal);
        Assert.Contains("timed out", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("GIT_IDLE_TIMEOUT", error.Message, StringComparison.Ordinal);
        AssertCleanAfterwards(log.Text + error);
    }
}
