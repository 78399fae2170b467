using System.Formats.Tar;
using System.IO.Compression;
using System.Net.Sockets;
using System.Text;
using QuayBuilder.Protocol;
using QuayBuilder.Tests.EndToEnd;
using Xunit.Abstractions;

namespace QuayBuilder.Tests.Build;

/// <summary>
/// The layer cache as Quay uses it (issue 13, docs/adr/0013-layer-cache.md): the published worker,
/// the fake manager, and every build on a fresh builder (its own Podman service on empty storage),
/// so only what the registry holds can make a step cached.
/// </summary>
[Collection(EndToEndCollection.Name)]
public sealed class LayerCacheWorkerTests(ITestOutputHelper output) : IDisposable
{
    private static readonly DateTimeOffset FileTime = new(2024, 6, 1, 12, 0, 0, TimeSpan.Zero);
    private readonly DirectoryInfo _root = Directory.CreateTempSubdirectory("qb-layercache-");

    // Steps 2–5 come before the COPY; with a changed file they are the ones the cache must give back.
    // An OCI build (the reproducible default) adds one LABEL step (the created label), so it has 6 intermediates.
    private static string Dockerfile(string baseImage, string marker) =>
        $"FROM {baseImage}\nENV MARKER={marker}\nRUN sleep 1 && echo one > /one\nWORKDIR /app\nRUN sleep 1 && echo two > /two\nCOPY file.txt /app/file.txt\nRUN cat /app/file.txt > /three\n";

    public void Dispose() => _root.Delete(recursive: true);

    [Fact]
    public async Task Worker_OciBuildsOnFreshBuilders_ChangedFileReusesEveryStepBeforeItAndUnchangedReusesAll()
    {
        var services = await TestServices.GetAsync();
        var repository = "e2e/layercache-" + Guid.NewGuid().ToString("N")[..8];
        var dockerfile = Dockerfile(services.BaseImage, repository);
        using var registry = new RegistryReader(services.Registry);

        var cold = await BuildAsync("cold", repository, dockerfile, "v1\n", cachedTag: null);
        var (type, digest, json) = await registry.ManifestAsync(repository, "latest");
        json.Dispose();
        Assert.Equal("application/vnd.oci.image.index.v1+json", type);
        Assert.Contains(cold.Manager.LogLines, l => l.Text.StartsWith("Layer cache published: 6 intermediate images, ", StringComparison.Ordinal));
        // What the worker says the tag names is what it names.
        Assert.Contains(cold.Manager.LogLines, l => l.Text.StartsWith($"Tags latest now name the OCI image index {digest}: the built image sha256:", StringComparison.Ordinal));
        Assert.Equal(["latest"], await registry.TagsAsync(repository));

        var changed = await BuildAsync("changed", repository, dockerfile, "v2\n", cachedTag: "latest");
        var steps = Steps(changed.Manager);
        var copy = steps.FindIndex(s => s.Header.Contains("COPY file.txt", StringComparison.Ordinal));
        Assert.Equal(5, copy);
        Assert.All(steps.Skip(1).Take(copy - 1), s => Assert.True(s.Cached, $"{s.Header} was not reused:\n{string.Join("\n", steps)}"));
        Assert.All(steps.Skip(copy), s => Assert.False(s.Cached, $"{s.Header} was reused after the change"));
        Assert.Contains(changed.Manager.LogLines, l => l.Text.StartsWith("Layer cache primed: 6 intermediate images, ", StringComparison.Ordinal));
        Assert.Equal("v2\n", await registry.TopLayerFileAsync(repository, "latest", "three"));

        var unchanged = await BuildAsync("unchanged", repository, dockerfile, "v2\n", cachedTag: "latest");
        var again = Steps(unchanged.Manager);
        Assert.Equal(steps.Count, again.Count);
        Assert.All(again.Skip(1), s => Assert.True(s.Cached, $"{s.Header} was not reused:\n{string.Join("\n", again)}"));
        Assert.Equal(["latest"], await registry.TagsAsync(repository));
        Assert.DoesNotContain(cold.Manager.LogLines.Concat(changed.Manager.LogLines).Concat(unchanged.Manager.LogLines), l => l.Text.StartsWith("Warning:", StringComparison.Ordinal));
        output.WriteLine($"cold {cold.Elapsed.TotalSeconds:0.0} s, changed {changed.Elapsed.TotalSeconds:0.0} s, unchanged {unchanged.Elapsed.TotalSeconds:0.0} s (whole worker runs, service start included)");
    }

    [Fact]
    public async Task Worker_DockerFormatBuild_PublishesAManifestListThatAFreshBuilderReusesEntirely()
    {
        var services = await TestServices.GetAsync();
        var repository = "e2e/layercache-docker-" + Guid.NewGuid().ToString("N")[..8];
        var dockerfile = Dockerfile(services.BaseImage, repository);
        using var registry = new RegistryReader(services.Registry);
        var docker = new Dictionary<string, string> { ["REPRODUCIBLE_TIMESTAMP"] = "false", ["PROVENANCE_LABELS"] = "false" };

        await BuildAsync("docker-cold", repository, dockerfile, "v1\n", cachedTag: null, docker);
        var (type, _, json) = await registry.ManifestAsync(repository, "latest");
        using (json)
        {
            Assert.Equal("application/vnd.docker.distribution.manifest.list.v2+json", type);
            var entries = json.RootElement.GetProperty("manifests").EnumerateArray().ToList();
            Assert.Equal(6, entries.Count);
            Assert.Equal("linux", entries[0].GetProperty("platform").GetProperty("os").GetString());
            Assert.All(entries.Skip(1), e => Assert.Equal("unknown", e.GetProperty("platform").GetProperty("os").GetString()));
        }

        var rebuilt = await BuildAsync("docker-again", repository, dockerfile, "v1\n", cachedTag: "latest", docker);
        var steps = Steps(rebuilt.Manager);
        Assert.Equal(7, steps.Count);
        Assert.All(steps.Skip(1), s => Assert.True(s.Cached, $"{s.Header} was not reused:\n{string.Join("\n", steps)}"));
        Assert.Equal("v1\n", await registry.TopLayerFileAsync(repository, "latest", "three"));
    }

    [Fact]
    public async Task Worker_WhenTheRegistryRefusesTheCachesManifests_SucceedsWithOneWarningAndATagThatIsThePlainImage()
    {
        var services = await TestServices.GetAsync();
        await using var front = await RefusingRegistryFront.StartAsync(services.Registry);
        var repository = "e2e/layercache-refused-" + Guid.NewGuid().ToString("N")[..8];
        var run = await CreateRunAsync("refused", repository, Dockerfile(services.BaseImage, repository), "v1\n", null, null, front.Address);
        await using var _ = run;
        run.Manager.Pack.Registry = front.Address;

        var result = await run.RunAsync();

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal(Phase.Complete, run.Manager.PhaseSequence[^1]);
        var warning = Assert.Single(run.Manager.LogLines, l => l.Text.StartsWith("Warning:", StringComparison.Ordinal));
        Assert.StartsWith("Warning: Layer cache not published: ", warning.Text, StringComparison.Ordinal);
        Assert.Contains("403", warning.Text, StringComparison.Ordinal);
        Assert.Contains("PUT /v2/" + repository + "/manifests/sha256:", front.AccessLog, StringComparison.Ordinal);
        using var registry = new RegistryReader(services.Registry);
        var (type, _, json) = await registry.ManifestAsync(repository, "latest");
        json.Dispose();
        Assert.Equal("application/vnd.oci.image.manifest.v1+json", type);
        Assert.Equal(["latest"], await registry.TagsAsync(repository));
    }

    [Fact]
    public async Task Worker_WithLayerCacheFalse_PushesAPlainImageAndPublishesNothing()
    {
        var services = await TestServices.GetAsync();
        var repository = "e2e/layercache-off-" + Guid.NewGuid().ToString("N")[..8];
        await using var run = await WorkerRun.CreateAsync(p => p.Add("build.tar.gz", BuildPackages.TarGz(new Dictionary<string, string> { ["Dockerfile"] = $"FROM {services.BaseImage}\nRUN echo off > /off\n", ["file.txt"] = "x" }, FileTime)), repository: repository);
        run.Environment["LAYER_CACHE"] = "false";

        var result = await run.RunAsync();

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.DoesNotContain(run.Manager.LogLines, l => l.Text.Contains("Layer cache", StringComparison.Ordinal));
        using var registry = new RegistryReader(services.Registry);
        var (type, _, json) = await registry.ManifestAsync(repository, "latest");
        json.Dispose();
        Assert.Equal("application/vnd.oci.image.manifest.v1+json", type);
    }

    /// <summary>
    /// ADR 0013: another client force-removes the base image while a later RUN runs; libpod then
    /// deletes the first step's build container, and buildah, after committing and tagging, fails to
    /// delete it. The image is complete: one warning, and the build succeeds.
    /// </summary>
    [Fact]
    public async Task Worker_WhenPodmanCannotDeleteABuildContainerAfterTagging_WarnsOnceAndSucceeds()
    {
        var services = await TestServices.GetAsync();
        var repository = "e2e/rmbase-" + Guid.NewGuid().ToString("N")[..8];
        var environment = new Dictionary<string, string> { ["LAYER_CACHE"] = "false", ["PROVENANCE_LABELS"] = "false" };
        var run = await CreateRunAsync("rmbase", repository, $"FROM {services.BaseImage}\nRUN echo {repository} > /e\nRUN sleep 6\n", "x", null, environment);
        await using var _ = run;
        var socket = Path.Join(_root.FullName, "rmbase", "xdg", "quay-builder-podman.sock");

        var building = run.RunAsync();
        var deadline = DateTime.UtcNow.AddSeconds(90);
        while (!run.Manager.LogLines.Any(l => l.Text.Contains("RUN sleep 6", StringComparison.Ordinal)) && DateTime.UtcNow < deadline && !building.IsCompleted)
        {
            await Task.Delay(100);
        }

        await Task.Delay(1500);
        using (var podman = Podman(socket))
        using (var removed = await podman.DeleteAsync($"v4.0.0/libpod/images/{Uri.EscapeDataString(services.BaseImage)}?force=true"))
        {
            Assert.True(removed.IsSuccessStatusCode, $"forced removal of the base answered {(int)removed.StatusCode}: {await removed.Content.ReadAsStringAsync()}");
        }

        var result = await building;

        var log = run.Manager.LogText;
        Assert.True(result.ExitCode == 0, result + "\n" + log);
        Assert.Equal(Phase.Complete, run.Manager.PhaseSequence[^1]);
        Assert.Contains("Successfully tagged", log, StringComparison.Ordinal);
        var warning = Assert.Single(run.Manager.LogLines, l => l.Text.StartsWith("Warning:", StringComparison.Ordinal));
        Assert.StartsWith("Warning: Podman committed and tagged the image but could not delete a build container afterwards (error deleting build container", warning.Text, StringComparison.Ordinal);
        using var registry = new RegistryReader(services.Registry);
        var (_, _, json) = await registry.ManifestAsync(repository, "latest");
        using (json)
        {
            Assert.True(json.RootElement.GetProperty("layers").GetArrayLength() >= 2);
        }
    }

    private async Task<Built> BuildAsync(string builder, string repository, string dockerfile, string file, string? cachedTag, IReadOnlyDictionary<string, string>? environment = null)
    {
        var run = await CreateRunAsync(builder, repository, dockerfile, file, cachedTag, environment);
        await using var _ = run;
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var result = await run.RunAsync();
        clock.Stop();
        Assert.True(result.ExitCode == 0, result + "\n" + run.Manager.LogText);
        Assert.Equal(Phase.Complete, run.Manager.PhaseSequence[^1]);
        output.WriteLine($"{builder}: {clock.Elapsed.TotalSeconds:0.0} s");
        foreach (var line in run.Manager.LogLines.Where(l => l.Text.Contains("Layer cache", StringComparison.Ordinal) || l.Text.StartsWith("Warning", StringComparison.Ordinal)))
        {
            output.WriteLine("  " + line.Text.TrimEnd());
        }

        foreach (var line in result.Output.Split('\n').Where(l => l.Contains("Phase:", StringComparison.Ordinal)))
        {
            output.WriteLine("  " + line.TrimEnd());
        }

        return new Built(run.Manager, clock.Elapsed);
    }

    private async Task<WorkerRun> CreateRunAsync(string builder, string repository, string dockerfile, string file, string? cachedTag, IReadOnlyDictionary<string, string>? environment, params string[] extraRegistries)
    {
        var run = await WorkerRun.CreateAsync(p => p.Add(builder + ".tar.gz", BuildPackages.TarGz(new Dictionary<string, string> { ["Dockerfile"] = dockerfile, ["file.txt"] = file }, FileTime)), repository: repository);
        (await FreshBuilder.CreateAsync(Path.Join(_root.FullName, builder), [run.Services.Registry, .. extraRegistries])).ApplyTo(run.Environment);
        if (cachedTag is not null)
        {
            run.Manager.CachedTag = cachedTag;
        }

        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            run.Environment[name] = value;
        }

        return run;
    }

    /// <summary>The build's steps as the manager saw them: each header, and whether Podman reused it.</summary>
    private static List<(string Header, bool Cached)> Steps(Fakes.FakeBuildManager manager)
    {
        var steps = new List<(string Header, bool Cached)>();
        foreach (var text in manager.LogLines.Select(l => l.Text))
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

    private static HttpClient Podman(string socket) => new(new SocketsHttpHandler
    {
        ConnectCallback = async (_, ct) =>
        {
            var s = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            await s.ConnectAsync(new UnixDomainSocketEndPoint(socket), ct);
            return new NetworkStream(s, ownsSocket: true);
        },
    }) { BaseAddress = new Uri("http://podman/"), Timeout = TimeSpan.FromSeconds(30) };

    private sealed record Built(Fakes.FakeBuildManager Manager, TimeSpan Elapsed);
}
