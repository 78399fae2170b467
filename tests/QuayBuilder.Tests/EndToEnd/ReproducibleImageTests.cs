using System.Formats.Tar;
using System.Globalization;
using System.IO.Compression;
using System.Text;
using System.Text.Json;
using QuayBuilder.Protocol;

namespace QuayBuilder.Tests.EndToEnd;

/// <summary>
/// Same input, same digest; provenance labels in the pushed configuration (issue 12,
/// docs/adr/0012-reproducible-images.md). "Fresh builders" are real ones: each starts its own
/// Podman service (EXECUTOR=kubernetesPodman) on its own empty storage, so nothing of one build
/// can be reused by the other.
/// </summary>
[Collection(EndToEndCollection.Name)]
public sealed class ReproducibleImageTests : IAsyncLifetime
{
    private const string Token = "git-token-SECRET-4f1e2d";
    private static readonly DateTimeOffset FirstCommitTime = new(2024, 3, 4, 5, 6, 7, TimeSpan.Zero);
    private static readonly DateTimeOffset SecondCommitTime = new(2024, 3, 5, 5, 6, 7, TimeSpan.Zero);
    private readonly DirectoryInfo _root = Directory.CreateTempSubdirectory("qb-repro-");
    private HttpGitServer? _git;
    private string _firstSha = string.Empty;
    private string _secondSha = string.Empty;

    private string CleanUrl => $"http://127.0.0.1:{_git!.Port}/app.git";

    // The credential is unused by this server, as by a public repository; it must still never be shown.
    private string UrlWithToken => $"http://robot:{Token}@127.0.0.1:{_git!.Port}/app.git";

    public async Task InitializeAsync()
    {
        var services = await TestServices.GetAsync();
        var bare = Path.Join(_root.FullName, "app.git");
        var work = Directory.CreateDirectory(Path.Join(_root.FullName, "app-work")).FullName;
        await SshServerFixture.RunAsync(_root.FullName, "git", "init", "-q", "--bare", "-b", "main", bare);
        await SshServerFixture.RunAsync(work, "git", "init", "-q", "-b", "main");
        // Deterministic steps only: COPY, ENV, LABEL, and a RUN that writes fixed content. The base
        // is pinned by digest: "same input" includes the base, and the shared test registry's
        // busybox is re-imported (with a new digest) whenever its state is recreated.
        using var probe = new ConfigProbe(services.Registry);
        var baseRepository = services.BaseImage[(services.Registry.Length + 1)..services.BaseImage.LastIndexOf(':')];
        var baseDigest = await probe.DigestAsync(baseRepository, services.BaseImage[(services.BaseImage.LastIndexOf(':') + 1)..])
            ?? throw new InvalidOperationException($"The test registry has no {services.BaseImage}.");
        await File.WriteAllTextAsync(Path.Join(work, "Dockerfile"),
            $"FROM {services.Registry}/{baseRepository}@{baseDigest}\nCOPY app.txt /app.txt\nRUN echo fixed-content > /run.txt\nENV MODE=repro\nLABEL com.example.team=builds\n");
        await File.WriteAllTextAsync(Path.Join(work, ".dockerignore"), "README.md\n");
        await File.WriteAllTextAsync(Path.Join(work, "app.txt"), "app " + Guid.NewGuid().ToString("N") + "\n");
        await File.WriteAllTextAsync(Path.Join(work, "README.md"), "first\n");
        await SshServerFixture.RunAsync(work, "git", "add", ".");
        await CommitAsync(work, "first", FirstCommitTime);
        _firstSha = (await SshServerFixture.RunAsync(work, "git", "rev-parse", "HEAD")).Trim();
        // A second commit that changes nothing the build sees.
        await File.WriteAllTextAsync(Path.Join(work, "README.md"), "second\n");
        await CommitAsync(work, "second", SecondCommitTime, "-a");
        _secondSha = (await SshServerFixture.RunAsync(work, "git", "rev-parse", "HEAD")).Trim();
        await SshServerFixture.RunAsync(work, "git", "push", "-q", bare, "main");
        _git = new HttpGitServer(_root.FullName);
    }

    public Task DisposeAsync()
    {
        _git?.Dispose();
        // The private builders' vfs storages are this class's alone.
        _root.Delete(recursive: true);
        return Task.CompletedTask;
    }

    [Fact]
    public async Task Worker_WhenTheSameCommitIsBuiltOnTwoFreshBuilders_PushesOneDigestWithProvenanceLabels()
    {
        var repository = "e2e/repro-" + Guid.NewGuid().ToString("N")[..8];

        var first = await BuildAsync("builder-a", _firstSha, repository, "first");
        var second = await BuildAsync("builder-b", _firstSha, repository, "second");

        using var registry = new ConfigProbe(first.Services.Registry);
        var firstDigest = await registry.DigestAsync(repository, "first");
        Assert.NotNull(firstDigest);
        Assert.Equal(firstDigest, await registry.DigestAsync(repository, "second"));

        // Both were real builds: nothing came from a cache.
        Assert.DoesNotContain(first.Manager.LogLines, l => l.Text.Contains("Using cache", StringComparison.Ordinal));
        Assert.DoesNotContain(second.Manager.LogLines, l => l.Text.Contains("Using cache", StringComparison.Ordinal));

        using var config = await registry.ConfigAsync(repository, "first");
        var labels = config.RootElement.GetProperty("config").GetProperty("Labels");
        Assert.Equal(CleanUrl, labels.GetProperty("org.opencontainers.image.source").GetString());
        Assert.Equal(_firstSha, labels.GetProperty("org.opencontainers.image.revision").GetString());
        Assert.Equal("2024-03-04T05:06:07Z", labels.GetProperty("org.opencontainers.image.created").GetString());
        Assert.Equal("builds", labels.GetProperty("com.example.team").GetString());
        Assert.Equal(FirstCommitTime, config.RootElement.GetProperty("created").GetDateTimeOffset());
        // Every entry this build added carries the commit time; the base image's keep theirs.
        var history = config.RootElement.GetProperty("history").EnumerateArray().ToList();
        Assert.All(history.Skip(1), h => Assert.Equal(FirstCommitTime, h.GetProperty("created").GetDateTimeOffset()));

        Assert.Contains(first.Manager.LogLines, l => l.Text == "Reproducible timestamp: 2024-03-04T05:06:07Z (1709528767), the commit's committer time; image format OCI\n");
        Assert.Contains(first.Manager.LogLines, l => l.Text == $"Provenance label org.opencontainers.image.source={CleanUrl}\n");
        foreach (var run in new[] { first, second })
        {
            var everything = string.Concat(run.Manager.LogLines.Select(l => l.Json)) + run.Output;
            Assert.DoesNotContain(Token, everything, StringComparison.Ordinal);
        }

        Assert.DoesNotContain(Token, config.RootElement.GetRawText(), StringComparison.Ordinal);
    }

    /// <summary>
    /// What the labels and the timestamp cost the layer cache: a next commit that changes nothing
    /// the build sees has another sha and another time, yet every Dockerfile step is reused; only
    /// the label steps Podman appends after the Dockerfile's last step run again.
    /// </summary>
    [Fact]
    public async Task Worker_WhenTheNextCommitChangesNothingTheBuildSees_ReusesEveryDockerfileStep()
    {
        var repository = "e2e/repro-cache-" + Guid.NewGuid().ToString("N")[..8];
        // DEBUG keeps the first build's images (its layer cache) in the builder's storage.
        await BuildAsync("builder-c", _firstSha, repository, "first", debug: true);

        var next = await BuildAsync("builder-c", _secondSha, repository, "second");

        var steps = Steps(next);
        var dockerfileSteps = steps.Where(s => !s.Header.Contains("LABEL \"org.opencontainers.image.", StringComparison.Ordinal)).ToList();
        var labelSteps = steps.Except(dockerfileSteps).ToList();
        Assert.Equal(5, dockerfileSteps.Count);
        Assert.All(dockerfileSteps.Skip(1), s => Assert.True(s.Cached, $"{s.Header} was not reused:\n{string.Join("\n", steps)}"));
        Assert.Equal(3, labelSteps.Count);
        // The source label is the same for every commit, so its step is reused too.
        Assert.True(labelSteps[0].Cached, string.Join("\n", steps));
        Assert.All(labelSteps.Skip(1), s => Assert.False(s.Cached, s.Header));

        using var registry = new ConfigProbe(next.Services.Registry);
        using var config = await registry.ConfigAsync(repository, "second");
        var labels = config.RootElement.GetProperty("config").GetProperty("Labels");
        Assert.Equal(_secondSha, labels.GetProperty("org.opencontainers.image.revision").GetString());
        Assert.Equal("2024-03-05T05:06:07Z", labels.GetProperty("org.opencontainers.image.created").GetString());
    }

    [Fact]
    public async Task Worker_WhenTheSourceIsAnArchive_UsesItsNewestFileTimeAndTheDockerfilesOwnLabelWins()
    {
        var services = await TestServices.GetAsync();
        var older = new DateTimeOffset(2020, 1, 1, 0, 0, 0, TimeSpan.Zero);
        var newest = new DateTimeOffset(2022, 2, 3, 4, 5, 6, TimeSpan.Zero);
        var package = BuildPackages.TarGz(
            ("Dockerfile", $"FROM {services.BaseImage}\nLABEL org.opencontainers.image.created=declared-by-the-dockerfile\nCOPY data.txt /data.txt\n", older),
            ("data.txt", "data " + Guid.NewGuid().ToString("N") + "\n", newest),
            ("old.txt", "old\n", older));
        await using var run = await WorkerRun.CreateAsync(p => p.Add("build.tar.gz", package));

        var result = await run.RunAsync();

        Assert.True(result.ExitCode == 0, result.ToString());
        using var registry = new ConfigProbe(services.Registry);
        using var config = await registry.ConfigAsync(run.Repository, "latest");
        Assert.Equal(newest, config.RootElement.GetProperty("created").GetDateTimeOffset());
        var labels = config.RootElement.GetProperty("config").GetProperty("Labels");
        Assert.Equal("declared-by-the-dockerfile", labels.GetProperty("org.opencontainers.image.created").GetString());
        // An archive names no repository and no commit.
        Assert.False(labels.TryGetProperty("org.opencontainers.image.source", out _));
        Assert.False(labels.TryGetProperty("org.opencontainers.image.revision", out _));
        Assert.Contains(run.Manager.LogLines, l => l.Text == "Reproducible timestamp: 2022-02-03T04:05:06Z (1643861106), the newest file time in the build package; image format OCI\n");
        Assert.Contains(run.Manager.LogLines, l => l.Text == "Provenance label org.opencontainers.image.created: the Dockerfile sets it; its own value is kept\n");
    }

    [Fact]
    public async Task Worker_WhenBothSwitchesAreOff_SetsNoLabelAndRecordsTheBuildTime()
    {
        var services = await TestServices.GetAsync();
        var old = new DateTimeOffset(2020, 1, 1, 0, 0, 0, TimeSpan.Zero);
        var package = BuildPackages.TarGz(("Dockerfile", $"FROM {services.BaseImage}\nENV SWITCHES=off-{Guid.NewGuid():N}\n", old));
        await using var run = await WorkerRun.CreateAsync(p => p.Add("build.tar.gz", package));
        run.Environment["REPRODUCIBLE_TIMESTAMP"] = "false";
        run.Environment["PROVENANCE_LABELS"] = "false";
        var started = DateTimeOffset.UtcNow.AddSeconds(-1);

        var result = await run.RunAsync();

        Assert.True(result.ExitCode == 0, result.ToString());
        using var registry = new ConfigProbe(services.Registry);
        using var config = await registry.ConfigAsync(run.Repository, "latest");
        Assert.True(config.RootElement.GetProperty("created").GetDateTimeOffset() >= started);
        var labels = config.RootElement.GetProperty("config").GetProperty("Labels");
        Assert.DoesNotContain(labels.EnumerateObject(), l => l.Name.StartsWith("org.opencontainers.image.", StringComparison.Ordinal));
        Assert.Contains(run.Manager.LogLines, l => l.Text == "Reproducible timestamp: off; the image records the build's own time\n");
        Assert.Contains(run.Manager.LogLines, l => l.Text == "Provenance labels: off\n");
    }

    private async Task<BuildRun> BuildAsync(string builder, string sha, string repository, string tag, bool debug = false)
    {
        var services = await TestServices.GetAsync();
        var builderHost = await FreshBuilder.CreateAsync(Path.Join(_root.FullName, builder), services.Registry);

        await using var run = await WorkerRun.CreateAsync(_ => "unused", tags: [tag], repository: repository);
        run.Manager.Pack.GitPackage = new BuildPack.Types.GitPackage { Url = UrlWithToken, Sha = sha };
        builderHost.ApplyTo(run.Environment);
        if (debug)
        {
            run.Environment["DEBUG"] = "true";
        }

        var result = await run.RunAsync();
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal(Phase.Complete, run.Manager.PhaseSequence[^1]);
        return new BuildRun(services, run.Manager, result.Output);
    }

    private static async Task CommitAsync(string work, string message, DateTimeOffset time, string? all = null)
    {
        var date = time.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture) + " +0000";
        string[] arguments = ["GIT_COMMITTER_DATE=" + date, "GIT_AUTHOR_DATE=" + date, "git", "commit", "-q", "-m", message];
        await SshServerFixture.RunAsync(work, "env", all is null ? arguments : [.. arguments, all]);
    }

    /// <summary>The build's steps as the manager saw them: each header, and whether Podman reused it.</summary>
    private static List<(string Header, bool Cached)> Steps(BuildRun run)
    {
        var steps = new List<(string Header, bool Cached)>();
        foreach (var text in run.Manager.LogLines.Select(l => l.Text))
        {
            if (text.StartsWith("Step ", StringComparison.Ordinal))
            {
                steps.Add((text.TrimEnd('\n'), false));
            }
            else if (steps.Count > 0 && text.StartsWith("--> Using cache", StringComparison.Ordinal))
            {
                steps[^1] = (steps[^1].Header, true);
            }
        }

        return steps;
    }

    private sealed record BuildRun(TestServices Services, Fakes.FakeBuildManager Manager, string Output);

    /// <summary>Reads a pushed image's manifest digest and configuration from the registry.</summary>
    private sealed class ConfigProbe(string registry) : IDisposable
    {
        private readonly HttpClient _http = new() { BaseAddress = new Uri($"http://{registry}/"), Timeout = TimeSpan.FromSeconds(30) };

        public async Task<string?> DigestAsync(string repository, string tag)
        {
            using var request = Manifest(HttpMethod.Head, repository, tag);
            using var response = await _http.SendAsync(request);
            return response.Headers.TryGetValues("Docker-Content-Digest", out var values) ? values.First() : null;
        }

        public async Task<JsonDocument> ConfigAsync(string repository, string tag)
        {
            using var request = Manifest(HttpMethod.Get, repository, tag);
            using var response = await _http.SendAsync(request);
            response.EnsureSuccessStatusCode();
            using var manifest = await ImageIndexReader.ImageAsync(_http, repository, JsonDocument.Parse(await response.Content.ReadAsStringAsync()));
            var digest = manifest.RootElement.GetProperty("config").GetProperty("digest").GetString();
            return JsonDocument.Parse(await _http.GetStringAsync($"v2/{repository}/blobs/{digest}"));
        }

        public void Dispose() => _http.Dispose();

        private static HttpRequestMessage Manifest(HttpMethod method, string repository, string tag)
        {
            var request = new HttpRequestMessage(method, $"v2/{repository}/manifests/{tag}");
            ImageIndexReader.AcceptAll(request);
            return request;
        }
    }
}
