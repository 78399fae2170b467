using System.Diagnostics;

namespace QuayBuilder.BuildContext.Tests.Git;

/// <summary>
/// GitFetcher against a real sshd on loopback: URLs, keys, host keys, commits, submodules and secrets. Every test also checks the invariants of <see cref="GitFetcherTestBase"/>.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class GitFetcherTests(SshServerFixture server) : GitFetcherTestBase(server), IClassFixture<SshServerFixture>
{
    [Fact]
    public async Task FetchAsync_WhenOlderShaOverSshUrl_ChecksOutOlderDockerfileAndSubmoduleFile()
    {
        var log = new RecordingLog();

        GitCommitInfo commit = await Fetch(new GitSourceRequest(Server.SshUrl, Server.OlderSha, Server.UserKey), Options, log);

        Assert.Equal(Server.OlderSha, commit.Sha);
        Assert.Equal("Older Dockerfile", commit.Subject);
        Assert.Equal("Test Author <author@example.com>", commit.Author);
        var committed = await SshServerFixture.RunAsync(Server.Root, "git", "--git-dir", Server.RepositoryPath, "show", "-s", "--format=%ct", Server.OlderSha);
        Assert.Equal(long.Parse(committed, System.Globalization.CultureInfo.InvariantCulture), commit.CommitTime?.ToUnixTimeSeconds());
        Assert.Equal(SshServerFixture.OlderDockerfile, File.ReadAllText(Path.Combine(Destination, "Dockerfile")));
        Assert.Equal(SshServerFixture.SubmoduleContent, File.ReadAllText(Path.Combine(Destination, "sub", "sub.txt")));
        Assert.Equal(Server.OlderSha, await SshServerFixture.RunAsync(Destination, "git", "rev-parse", "HEAD"));
        // Exactly one commit was fetched: the newer one on main is not in the repository.
        Assert.Equal("1", await SshServerFixture.RunAsync(Destination, "git", "rev-list", "--count", "--all"));
        Assert.DoesNotContain(log.Lines, l => l.Contains("fetching the whole repository", StringComparison.Ordinal));
        Assert.Contains(log.Lines, l => l.Contains(Server.OlderSha, StringComparison.Ordinal) && l.StartsWith("Checked out commit", StringComparison.Ordinal));
        Assert.Contains(log.Lines, l => l.Contains("Older Dockerfile", StringComparison.Ordinal));
        AssertCleanAfterwards(log.Text);
    }

    [Fact]
    public async Task FetchAsync_WhenHostKeyUnknown_AcceptsAndLogsItsFingerprint()
    {
        var log = new RecordingLog();
        string hostPublic = Server.KnownHostsLine.Split(' ')[2].Trim();
        string expected = "SHA256:" + Convert.ToBase64String(System.Security.Cryptography.SHA256.HashData(Convert.FromBase64String(hostPublic))).TrimEnd('=');

        await Fetch(new GitSourceRequest(Server.SshUrl, Server.NewerSha, Server.UserKey), Options, log);

        Assert.Contains(log.Lines, l => l.Contains("accepted on first use", StringComparison.Ordinal) && l.Contains(expected, StringComparison.Ordinal));
        AssertCleanAfterwards(log.Text);
    }

    [Fact]
    public async Task FetchAsync_WhenScpLikeUrl_ChecksOutNewerDockerfile()
    {
        var log = new RecordingLog();
        // scp-like URLs cannot carry a port; production uses port 22, the test sshd does not.
        GitOptions options = Options with { ExtraSshArguments = ["-o", $"Port={Server.Port}"] };

        GitCommitInfo commit = await Fetch(new GitSourceRequest(Server.ScpLikeUrl, Server.NewerSha, Server.UserKey), options, log);

        Assert.Equal(Server.NewerSha, commit.Sha);
        Assert.Equal(SshServerFixture.NewerDockerfile, File.ReadAllText(Path.Combine(Destination, "Dockerfile")));
        Assert.Equal(SshServerFixture.SubmoduleContent, File.ReadAllText(Path.Combine(Destination, "sub", "sub.txt")));
        AssertCleanAfterwards(log.Text);
    }

    [Fact]
    public async Task FetchAsync_WhileFetching_KeyIs0600InsideA0700Directory()
    {
        UnixFileMode? directoryMode = null;
        UnixFileMode? keyMode = null;
        var log = new RecordingLog(line =>
        {
            if (line.StartsWith("Fetching ", StringComparison.Ordinal))
            {
                string directory = Directory.GetDirectories(Scratch).Single();
                directoryMode = File.GetUnixFileMode(directory);
                keyMode = File.GetUnixFileMode(Path.Combine(directory, "id"));
            }
        });

        await Fetch(new GitSourceRequest(Server.SshUrl, Server.NewerSha, Server.UserKey), Options, log);

        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, directoryMode);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, keyMode);
        AssertCleanAfterwards(log.Text);
    }

    [Fact]
    public async Task FetchAsync_WhenKeyIsNotAuthorized_ThrowsCloneErrorWithoutKeyMaterial()
    {
        var log = new RecordingLog();

        SourceException error = await Assert.ThrowsAsync<SourceException>(
            () => Fetch(new GitSourceRequest(Server.SshUrl, Server.NewerSha, Server.OtherKey), Options, log));

        Assert.StartsWith($"Error cloning git repository (ssh://root@127.0.0.1:{Server.Port}", error.Message, StringComparison.Ordinal);
        Assert.Contains("Permission denied", error.Message, StringComparison.Ordinal);
        AssertCleanAfterwards(log.Text + error, Server.OtherKey);
    }

    [Fact]
    public async Task FetchAsync_WhenKeyIsGarbage_ThrowsInvalidKeyError()
    {
        var log = new RecordingLog();
        const string garbage = "-----BEGIN OPENSSH PRIVATE KEY-----\nthisisnotakeyatall0123456789\n-----END OPENSSH PRIVATE KEY-----\n";

        SourceException error = await Assert.ThrowsAsync<SourceException>(
            () => Fetch(new GitSourceRequest(Server.SshUrl, Server.NewerSha, garbage), Options, log));

        Assert.StartsWith("Error cloning git repository (", error.Message, StringComparison.Ordinal);
        Assert.Contains("not a valid SSH private key", error.Message, StringComparison.Ordinal);
        AssertCleanAfterwards(log.Text + error, garbage);
    }

    [Fact]
    public async Task FetchAsync_WhenShaDoesNotExist_ThrowsCheckoutErrorNamingSha()
    {
        var log = new RecordingLog();
        const string missing = "0123456789abcdef0123456789abcdef01234567";

        SourceException error = await Assert.ThrowsAsync<SourceException>(
            () => Fetch(new GitSourceRequest(Server.SshUrl, missing, Server.UserKey), Options, log));

        Assert.StartsWith($"Error checking out git commit ({missing}): ", error.Message, StringComparison.Ordinal);
        AssertCleanAfterwards(log.Text + error);
    }

    [Fact]
    public async Task FetchAsync_WhenServerRefusesFetchById_FallsBackToFullFetch()
    {
        var log = new RecordingLog();
        // Protocol v0 without uploadpack.allow*SHA1InWant: the server only sends ref tips.
        GitOptions options = Options with { ProtocolVersion = 0 };

        GitCommitInfo commit = await Fetch(new GitSourceRequest(Server.SshUrl, Server.OlderSha, Server.UserKey), options, log);

        Assert.Equal(Server.OlderSha, commit.Sha);
        Assert.Contains(log.Lines, l => l.Contains("fetching the whole repository", StringComparison.Ordinal));
        Assert.Equal(SshServerFixture.OlderDockerfile, File.ReadAllText(Path.Combine(Destination, "Dockerfile")));
        AssertCleanAfterwards(log.Text);
    }

    [Fact]
    public async Task FetchAsync_WhenHttpsUrlCarriesToken_TokenAppearsNowhere()
    {
        int closedPort = LoopbackPort.Free();
        var log = new RecordingLog();
        const string token = "ghp_TopSecretToken0123456789";

        SourceException error = await Assert.ThrowsAsync<SourceException>(
            () => Fetch(new GitSourceRequest($"https://x-access-token:{token}@127.0.0.1:{closedPort}/owner/repo.git", Server.NewerSha, null), Options, log));

        Assert.StartsWith($"Error cloning git repository (https://***@127.0.0.1:{closedPort}/owner/repo.git): ", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(token, error.Message + log.Text, StringComparison.Ordinal);
        // The checkout's .git may be sent to the build as part of the context.
        Assert.DoesNotContain(token, await File.ReadAllTextAsync(Path.Combine(Destination, ".git", "config")), StringComparison.Ordinal);
        AssertCleanAfterwards(log.Text + error);
    }

    [Fact]
    public async Task FetchAsync_WhileConnecting_NoProcessArgumentCarriesTheKey()
    {
        await using var silent = new SilentTcpServer();
        var log = new RecordingLog();
        using var cancellation = new CancellationTokenSource();
        Task<GitCommitInfo> fetch = Fetch(new GitSourceRequest($"ssh://root@127.0.0.1:{silent.Port}/repo.git", Server.NewerSha, Server.UserKey), Options, log, cancellation.Token);
        await Eventually.TrueAsync(() => silent.Accepted > 0, TimeSpan.FromSeconds(5), "ssh to connect to the silent server");

        List<string> processes = ProcessesMentioning(Scratch);
        await cancellation.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => fetch);

        string ssh = Assert.Single(processes, p => p.Contains(": ssh ", StringComparison.Ordinal));
        Assert.Contains("-i " + Scratch, ssh, StringComparison.Ordinal);
        Assert.Contains("IdentitiesOnly=yes", ssh, StringComparison.Ordinal);
        AssertCleanAfterwards(string.Join('\n', processes) + log.Text);
    }

    [Fact]
    public async Task FetchAsync_WhenPublicHttpRepository_FetchesOnlyThatCommitWithoutKey()
    {
        using var http = new HttpGitServer(Server.Root);
        var log = new RecordingLog();

        SourceException error = await Assert.ThrowsAsync<SourceException>(
            () => Fetch(new GitSourceRequest($"http://127.0.0.1:{http.Port}/repo.git", Server.OlderSha, null), Options, log));

        // The superproject came over HTTP by id; its submodule is SSH-only and there is no key.
        Assert.StartsWith("Error initializing git submodules (", error.Message, StringComparison.Ordinal);
        Assert.Equal(SshServerFixture.OlderDockerfile, File.ReadAllText(Path.Combine(Destination, "Dockerfile")));
        Assert.Equal("1", await SshServerFixture.RunAsync(Destination, "git", "rev-list", "--count", "--all"));
        Assert.DoesNotContain(log.Lines, l => l.Contains("fetching the whole repository", StringComparison.Ordinal));
        AssertCleanAfterwards(log.Text + error);
    }

    [Fact]
    public async Task FetchAsync_WhenHttpServerWantsCredentials_FailsFastInsteadOfPrompting()
    {
        using var http = new HttpGitServer(Server.Root) { RequireAuthentication = true };
        var log = new RecordingLog();
        var clock = Stopwatch.StartNew();

        SourceException error = await Assert.ThrowsAsync<SourceException>(
            () => Fetch(new GitSourceRequest($"http://127.0.0.1:{http.Port}/repo.git", Server.NewerSha, null), Options, log));

        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"took {clock.Elapsed}");
        Assert.StartsWith($"Error cloning git repository (http://127.0.0.1:{http.Port}/repo.git): ", error.Message, StringComparison.Ordinal);
        Assert.Contains("terminal prompts disabled", error.Message, StringComparison.Ordinal);
        AssertCleanAfterwards(log.Text + error);
    }

    [Fact]
    public async Task FetchAsync_WhenCancelled_KillsGitAndDeletesKey()
    {
        await using var silent = new SilentTcpServer();
        var log = new RecordingLog();
        using var cancellation = new CancellationTokenSource(TimeSpan.FromSeconds(1));

        await Assert.ThrowsAnyAsync<OperationCanceledException>(
            () => Fetch(new GitSourceRequest($"ssh://root@127.0.0.1:{silent.Port}/repo.git", Server.NewerSha, Server.UserKey), Options, log, cancellation.Token));

        Assert.Empty(ProcessesMentioning(Scratch));
        AssertCleanAfterwards(log.Text);
    }

    [Fact]
    public async Task FetchAsync_WhenKnownHostsHasWrongKey_ThrowsHostKeyError()
    {
        var log = new RecordingLog();
        string knownHosts = Path.Combine(Work, "known_hosts");
        string otherPublic = string.Join(' ', (await SshServerFixture.RunAsync(Work, "ssh-keygen", "-y", "-f", Path.Combine(Server.Root, "other_key"))).Split(' ').Take(2));
        await File.WriteAllTextAsync(knownHosts, $"[127.0.0.1]:{Server.Port} {otherPublic}\n");
        GitOptions options = Options with { KnownHostsFile = knownHosts };

        SourceException error = await Assert.ThrowsAsync<SourceException>(
            () => Fetch(new GitSourceRequest(Server.SshUrl, Server.NewerSha, Server.UserKey), options, log));

        Assert.StartsWith("Error cloning git repository (", error.Message, StringComparison.Ordinal);
        Assert.Contains("Host key verification failed", error.Message, StringComparison.Ordinal);
        AssertCleanAfterwards(log.Text + error);
    }

    [Fact]
    public async Task FetchAsync_WhenKnownHostsFileIsMissing_ThrowsNamingTheVariable()
    {
        var log = new RecordingLog();
        GitOptions options = Options with { KnownHostsFile = Path.Combine(Work, "no_such_known_hosts") };

        SourceException error = await Assert.ThrowsAsync<SourceException>(
            () => Fetch(new GitSourceRequest(Server.SshUrl, Server.NewerSha, Server.UserKey), options, log));

        Assert.Contains("GIT_KNOWN_HOSTS", error.Message, StringComparison.Ordinal);
        Assert.Contains("does not exist", error.Message, StringComparison.Ordinal);
        AssertCleanAfterwards(log.Text + error);
    }

    [Fact]
    public async Task FetchAsync_WhenKnownHostsHasRightKey_ChecksOutStrictly()
    {
        var log = new RecordingLog();
        string knownHosts = Path.Combine(Work, "known_hosts");
        await File.WriteAllTextAsync(knownHosts, Server.KnownHostsLine);
        GitOptions options = Options with { KnownHostsFile = knownHosts };

        GitCommitInfo commit = await Fetch(new GitSourceRequest(Server.SshUrl, Server.NewerSha, Server.UserKey), options, log);

        Assert.Equal(Server.NewerSha, commit.Sha);
        Assert.Contains(log.Lines, l => l.Contains("GIT_KNOWN_HOSTS", StringComparison.Ordinal));
        Assert.Equal(Server.KnownHostsLine, await File.ReadAllTextAsync(knownHosts));
        AssertCleanAfterwards(log.Text);
    }

    [Theory]
    [InlineData("--upload-pack=touch /tmp/pwned")]
    [InlineData("-oProxyCommand=touch /tmp/pwned")]
    [InlineData("ssh://root@127.0.0.1/repo.git;touch /tmp/pwned")]
    [InlineData("ext::sh -c touch% /tmp/pwned")]
    [InlineData("root@127.0.0.1:repo.git$(touch /tmp/pwned)")]
    public async Task FetchAsync_WhenUrlIsHostile_RefusesBeforeRunningGit(string url)
    {
        var log = new RecordingLog();

        SourceException error = await Assert.ThrowsAsync<SourceException>(
            () => Fetch(new GitSourceRequest(url, Server.NewerSha, Server.UserKey), Options, log));

        Assert.StartsWith("Invalid git repository URL (", error.Message, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Scratch) && Directory.EnumerateFileSystemEntries(Scratch).Any());
        Assert.False(Directory.Exists(Destination));
        AssertCleanAfterwards(log.Text + error);
    }

    [Fact]
    public async Task FetchAsync_WhenLocalPathInProduction_Refuses()
    {
        var log = new RecordingLog();

        SourceException error = await Assert.ThrowsAsync<SourceException>(
            () => new GitFetcher(new GitOptions()).FetchAsync(new GitSourceRequest(Server.RepositoryPath, Server.NewerSha, null), Destination, Scratch, log, CancellationToken.None));

        Assert.Contains("local paths are not allowed", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task FetchAsync_WhenSubmoduleCannotBeFetched_ThrowsSubmoduleErrorWithDocumentationLink()
    {
        var log = new RecordingLog();
        // The superproject is public (a local path, no key) but its submodule needs the key.
        GitOptions options = Options with { AllowLocalRepositories = true };

        SourceException error = await Assert.ThrowsAsync<SourceException>(
            () => Fetch(new GitSourceRequest("file://" + Server.RepositoryPath, Server.OlderSha, null), options, log));

        Assert.StartsWith(
            $"Error initializing git submodules (file://{Server.RepositoryPath}): See submodule documentation at http://docs.quay.io/guides/git-submodules.html\n",
            error.Message,
            StringComparison.Ordinal);
        Assert.Contains("Permission denied", error.Message, StringComparison.Ordinal);
        Assert.Equal(SshServerFixture.OlderDockerfile, File.ReadAllText(Path.Combine(Destination, "Dockerfile")));
        AssertCleanAfterwards(log.Text + error);
    }

    [Fact]
    public async Task FetchAsync_WhenShaIsNotHex_ThrowsCheckoutError()
    {
        var log = new RecordingLog();

        SourceException error = await Assert.ThrowsAsync<SourceException>(
            () => Fetch(new GitSourceRequest(Server.SshUrl, "--output=/tmp/x", Server.UserKey), Options, log));

        Assert.StartsWith("Error checking out git commit (--output=/tmp/x): not a commit id", error.Message, StringComparison.Ordinal);
        AssertCleanAfterwards(log.Text + error);
    }
}
