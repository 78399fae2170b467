using QuayBuilder.Protocol;

namespace QuayBuilder.Tests.EndToEnd;

[Collection(EndToEndCollection.Name)]
public sealed class WorkerEndToEndTests
{
    [Fact]
    public async Task Worker_WhenGivenATarGzWithASubdirectoryContext_BuildsPushesEveryTagAndReportsEachPhase()
    {
        var services = await TestServices.GetAsync();
        var marker = "run-output-" + Guid.NewGuid().ToString("N")[..8];
        var package = BuildPackages.TarGz(new Dictionary<string, string>
        {
            ["README.md"] = "outside the context\n",
            ["web/Dockerfile"] = $"ARG BASE={services.BaseImage[..services.BaseImage.LastIndexOf(':')]}\nARG VERSION=latest\nFROM ${{BASE}}:${{VERSION}}\nRUN echo {marker} && mkdir -p /srv\nCOPY . /srv/\n",
            ["web/app.txt"] = "hello from the context\n",
            ["web/.dockerignore"] = "*.log\n",
            ["web/debug.log"] = "ignored\n",
        });
        await using var run = await WorkerRun.CreateAsync(p => p.Add("build.tar.gz", package), context: "/web", tags: ["latest", "v1"]);

        var result = await run.RunAsync();

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal([Phase.Unpacking, Phase.Pulling, Phase.Building, Phase.Pushing, Phase.Complete], run.Manager.PhaseSequence);
        var pulling = run.Manager.Phases.Single(p => p.Phase == Phase.Pulling).PullMetadata!;
        Assert.Equal(services.Registry, pulling.RegistryUrl);
        Assert.Equal(services.BaseImage[..services.BaseImage.LastIndexOf(':')], pulling.BaseImage);
        Assert.Equal("latest", pulling.BaseImageTag);

        using var registry = new RegistryProbe(services.Registry);
        Assert.Equal(["latest", "v1"], (await registry.TagsAsync(run.Repository)).Order());
        Assert.Equal("hello from the context\n", await registry.ReadFileAsync(run.Repository, "v1", "srv/app.txt"));
        Assert.Null(await registry.ReadFileAsync(run.Repository, "v1", "srv/debug.log"));
        Assert.Null(await registry.ReadFileAsync(run.Repository, "v1", "srv/README.md"));
        Assert.NotNull(await registry.ReadFileAsync(run.Repository, "v1", "srv/Dockerfile"));

        // The digest the worker reports is the one the registry serves for the tag.
        var served = await registry.ManifestDigestAsync(run.Repository, "v1");
        Assert.Contains(run.Manager.LogLines, l => l.Text.StartsWith($"Tags latest, v1 now name the OCI image index {served}: ", StringComparison.Ordinal));

        var lines = run.Manager.LogLines;
        Assert.Contains(lines, l => l.Key == "stream" && l.Text == marker + "\n");
        var steps = lines.Where(l => l.IsCommand).Select(l => l.Text).ToList();
        // The Dockerfile's steps, then Podman's step for the provenance label (ADR 0012).
        Assert.Equal(4, steps.Count);
        Assert.StartsWith("Step 1/4 : FROM ", steps[0], StringComparison.Ordinal);
        Assert.StartsWith("Step 2/4 : RUN echo", steps[1], StringComparison.Ordinal);
        Assert.StartsWith("Step 4/4 : LABEL \"org.opencontainers.image.created\"=", steps[3], StringComparison.Ordinal);
        Assert.DoesNotContain(lines, l => l.Text.StartsWith("STEP ", StringComparison.Ordinal));
        Assert.Empty(run.Manager.Violations);
        Faults.CallAndStreamFaultTests.AssertEveryLineBeforeItsPhaseEnds(run.Manager.Events);
        run.AssertNoSecretIn(result);

        // Cleanup: the work directory is gone.
        Assert.Empty(Directory.EnumerateFileSystemEntries(run.WorkRoot));
    }

    [Fact]
    public async Task Worker_WhenARunStepFails_SendsAnErrorLineAndTheErrorPhaseAndExitsNonZero()
    {
        var services = await TestServices.GetAsync();
        var package = BuildPackages.TarGz(new Dictionary<string, string>
        {
            ["Dockerfile"] = $"FROM {services.BaseImage}\nRUN echo about-to-fail && false\n",
        });
        await using var run = await WorkerRun.CreateAsync(p => p.Add("fail.tar.gz", package));

        var result = await run.RunAsync();

        Assert.Equal(1, result.ExitCode);
        Assert.Equal(Phase.Error, run.Manager.PhaseSequence[^1]);
        Assert.DoesNotContain(Phase.Pushing, run.Manager.PhaseSequence);
        var error = Assert.Single(run.Manager.LogLines, l => l.Key == "error");
        Assert.Contains("RUN echo about-to-fail", error.Text, StringComparison.Ordinal);
        Assert.Contains(run.Manager.LogLines, l => l.Text == "about-to-fail\n");
        Assert.Empty(await new RegistryProbe(services.Registry).TagsAsync(run.Repository));
        run.AssertNoSecretIn(result);
        Assert.Empty(Directory.EnumerateFileSystemEntries(run.WorkRoot));
    }

    [Fact]
    public async Task Worker_WhenTheDockerfileIsMissing_FailsInUnpackingWithTheGoWorkersText()
    {
        var package = BuildPackages.TarGz(new Dictionary<string, string> { ["docker/Dockerfile"] = "FROM scratch\n" });
        await using var run = await WorkerRun.CreateAsync(p => p.Add("nodockerfile.tar.gz", package));

        var result = await run.RunAsync();

        Assert.Equal(1, result.ExitCode);
        Assert.Equal([Phase.Unpacking, Phase.Error], run.Manager.PhaseSequence);
        var error = Assert.Single(run.Manager.LogLines, l => l.Key == "error");
        Assert.StartsWith("Missing Dockerfile", error.Text, StringComparison.Ordinal);
        Assert.Contains("docker/Dockerfile", error.Text, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("SERVER", "127.0.0.1", "has no port")]
    [InlineData("CONTAINER_RUNTIME", "rkt", "CONTAINER_RUNTIME 'rkt' is not supported")]
    [InlineData("DOCKER_HOST", "tcp://127.0.0.1:2375", "is not a unix socket")]
    public async Task Worker_WhenConfigurationIsInvalid_ExitsWithOneClearLineAndNeverPrintsTheToken(string variable, string value, string expected)
    {
        await using var run = await WorkerRun.CreateAsync(p => p.Add("unused.tar.gz", [1]));
        run.Environment[variable] = value;

        var result = await run.RunAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(2, result.ExitCode);
        var line = Assert.Single(result.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains(expected, line, StringComparison.Ordinal);
        Assert.Equal(0, run.Manager.Pings);
        run.AssertNoSecretIn(result);
    }
}
