using QuayBuilder.Protocol;

namespace QuayBuilder.Tests.EndToEnd;

/// <summary>Git build packs through the published worker, over a real loopback sshd with a deploy key.</summary>
[Collection(EndToEndCollection.Name)]
public sealed class GitEndToEndTests : IAsyncLifetime
{
    private readonly SshServerFixture _ssh = new();
    private string _olderSha = string.Empty;
    private string _newerSha = string.Empty;
    private string _repository = string.Empty;

    public async Task InitializeAsync()
    {
        await _ssh.InitializeAsync();
        var services = await TestServices.GetAsync();
        _repository = Path.Combine(_ssh.Root, "app.git");
        var work = Path.Combine(_ssh.Root, "app-work");
        Directory.CreateDirectory(work);
        await SshServerFixture.RunAsync(_ssh.Root, "git", "init", "-q", "--bare", "-b", "main", _repository);
        await SshServerFixture.RunAsync(work, "git", "init", "-q", "-b", "main");
        await File.WriteAllTextAsync(Path.Combine(work, "Dockerfile"), $"FROM {services.BaseImage}\nCOPY version.txt /version.txt\nRUN cat /version.txt\n");
        await File.WriteAllTextAsync(Path.Combine(work, "version.txt"), "older commit\n");
        await SshServerFixture.RunAsync(work, "git", "add", ".");
        await SshServerFixture.RunAsync(work, "git", "commit", "-q", "-m", "older");
        _olderSha = (await SshServerFixture.RunAsync(work, "git", "rev-parse", "HEAD")).Trim();
        await File.WriteAllTextAsync(Path.Combine(work, "version.txt"), "newer commit\n");
        await SshServerFixture.RunAsync(work, "git", "commit", "-q", "-am", "newer");
        _newerSha = (await SshServerFixture.RunAsync(work, "git", "rev-parse", "HEAD")).Trim();
        await SshServerFixture.RunAsync(work, "git", "push", "-q", _repository, "main");
    }

    public Task DisposeAsync() => _ssh.DisposeAsync();

    private async Task<WorkerRun> CreateRunAsync(string url, string sha, string key)
    {
        var run = await WorkerRun.CreateAsync(_ => "unused");
        run.Manager.Pack.GitPackage = new BuildPack.Types.GitPackage { Url = url, Sha = sha, PrivateKey = key };
        return run;
    }

    [Fact]
    public async Task Worker_WhenGivenAnOlderShaOverSsh_BuildsThatCommitsContent()
    {
        await using var run = await CreateRunAsync($"ssh://root@127.0.0.1:{_ssh.Port}{_repository}", _olderSha, _ssh.UserKey);

        var result = await run.RunAsync();

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal(Phase.Complete, run.Manager.PhaseSequence[^1]);
        Assert.Contains(run.Manager.LogLines, l => l.Text == "older commit\n");
        Assert.DoesNotContain(run.Manager.LogLines, l => l.Text.Contains("newer commit", StringComparison.Ordinal));
        Assert.Contains(run.Manager.LogLines, l => l.Text.Contains(_olderSha, StringComparison.Ordinal));
        using var registry = new RegistryProbe(run.Services.Registry);
        Assert.Equal("older commit\n", await registry.ReadFileAsync(run.Repository, "latest", "version.txt"));
        AssertNoKeyLine(run, result);
        Assert.Empty(Directory.EnumerateFileSystemEntries(run.WorkRoot));
    }

    [Fact]
    public async Task Worker_WhenTheShaDoesNotExist_FailsWithTheGoWorkersCheckoutError()
    {
        const string missing = "0123456789abcdef0123456789abcdef01234567";
        await using var run = await CreateRunAsync($"ssh://root@127.0.0.1:{_ssh.Port}{_repository}", missing, _ssh.UserKey);

        var result = await run.RunAsync();

        Assert.Equal(1, result.ExitCode);
        Assert.Equal([Phase.Unpacking, Phase.Error], run.Manager.PhaseSequence);
        var error = Assert.Single(run.Manager.LogLines, l => l.Key == "error").Text;
        Assert.StartsWith($"Error checking out git commit ({missing})", error, StringComparison.Ordinal);
        AssertNoKeyLine(run, result);
        Assert.Empty(Directory.EnumerateFileSystemEntries(run.WorkRoot));
    }

    [Fact]
    public async Task Worker_WhenTheDeployKeyIsNotAuthorized_FailsWithACloneError()
    {
        await using var run = await CreateRunAsync($"ssh://root@127.0.0.1:{_ssh.Port}{_repository}", _newerSha, _ssh.OtherKey);

        var result = await run.RunAsync();

        Assert.Equal(1, result.ExitCode);
        var error = Assert.Single(run.Manager.LogLines, l => l.Key == "error").Text;
        Assert.StartsWith("Error cloning git repository (", error, StringComparison.Ordinal);
        Assert.DoesNotContain(_ssh.OtherKey.Split('\n')[1], result.Output + string.Concat(run.Manager.LogLines.Select(l => l.Json)), StringComparison.Ordinal);
        Assert.Empty(Directory.EnumerateFileSystemEntries(run.WorkRoot));
    }

    private void AssertNoKeyLine(WorkerRun run, ProcessResult result)
    {
        run.AssertNoSecretIn(result);
        var everything = result.Output + string.Concat(run.Manager.LogLines.Select(l => l.Json));
        foreach (var line in _ssh.UserKey.Split('\n').Where(l => l.Length > 20 && !l.StartsWith("-----", StringComparison.Ordinal)))
        {
            Assert.DoesNotContain(line, everything, StringComparison.Ordinal);
        }
    }
}
