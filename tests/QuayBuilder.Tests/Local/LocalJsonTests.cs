using System.Text.RegularExpressions;
using QuayBuilder.Protocol;
using QuayBuilder.Tests.EndToEnd;
using QuayBuilder.Tests.Fakes;

namespace QuayBuilder.Tests.Local;

/// <summary>`local --json` prints exactly what a build manager receives for the same build.</summary>
[Collection(EndToEndCollection.Name)]
public sealed partial class LocalJsonTests
{
    [Fact]
    public async Task Json_WhenTheSamePackageIsBuiltByTheWorkerAndLocally_PrintsTheLogLinesTheManagerRecorded()
    {
        await using var run = await LocalRun.CreateAsync();
        await using var packages = new PackageServer();
        var marker = "json-compare-" + Guid.NewGuid().ToString("N")[..8];
        var url = packages.Add("app.tar.gz", BuildPackages.TarGz(new Dictionary<string, string>
        {
            ["web/Dockerfile"] = $"FROM {run.Services.BaseImage}\nRUN echo {marker} && mkdir -p /srv\nCOPY app.txt /srv/app.txt\n",
            ["web/app.txt"] = "hello\n",
            ["web/.dockerignore"] = "*.log\n",
            ["web/debug.log"] = "ignored\n",
        }));
        var repository = LocalRun.NewRepository("json");
        run.LeavesImage($"{run.Services.Registry}/{repository}:latest");
        run.LeavesImage($"{run.Services.Registry}/{repository}:v2");
        var pushToken = "push-token-SECRET-" + Guid.NewGuid().ToString("N");

        // 1. Worker mode, against the fake manager. It cleans up after itself, so the local
        //    build below starts from the same (empty) layer cache.
        var pack = new BuildPack
        {
            PackageUrl = url,
            Context = "/web",
            Repository = repository,
            Registry = run.Services.Registry,
            PullToken = "pull-token-SECRET-" + Guid.NewGuid().ToString("N"),
            PushToken = pushToken,
        };
        pack.TagNames.AddRange(["latest", "v2"]);
        await using var server = await FakeManagerServer.StartAsync(new FakeBuildManager(pack, "registration-token-SECRET-" + Guid.NewGuid().ToString("N")));
        var environment = run.Environment();
        environment["SERVER"] = server.Address;
        environment["TOKEN"] = server.Manager.RegistrationToken;
        environment["INSECURE"] = "true";
        environment["BUILD_UUID"] = "json-" + Guid.NewGuid().ToString("N")[..8];
        var worker = await ProcessRunner.RunAsync(await WorkerBinary.GetAsync(), [], environment, TimeSpan.FromMinutes(4), clearEnvironment: true);
        Assert.True(worker.ExitCode == 0, worker.ToString());

        // 2. Local mode on the very same package URL, context, repository and tags.
        var local = await run.RunAsync(url, "--context", "/web", "--registry", run.Services.Registry, "--repository", repository,
            "--tag", "latest", "--tag", "v2", "--push", "--password-file", run.SecretFile("token", pushToken), "--json");
        Assert.True(local.ExitCode == 0, local.ToString());

        var expected = server.Manager.LogLines.Select(l => Normalise(l.Json)).ToList();
        var actual = local.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(Normalise).ToList();
        Assert.Contains(expected, l => l.Contains(marker, StringComparison.Ordinal));
        Assert.Contains(expected, l => l.StartsWith("{\"stream\":\"Step 3/4 : COPY", StringComparison.Ordinal));
        Assert.Equal(expected, actual);
        Assert.DoesNotContain(pushToken, local.Output, StringComparison.Ordinal);
        Assert.DoesNotContain(new Uri(url).Query.TrimStart('?'), local.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Json_WhenTheBuildFails_PrintsOnlyJsonOnStdoutEndingWithTheErrorLine()
    {
        await using var run = await LocalRun.CreateAsync();
        var source = Directory.CreateDirectory(Path.Combine(run.Scratch, "broken")).FullName;
        await File.WriteAllTextAsync(Path.Combine(source, "Dockerfile"), $"FROM {run.Services.BaseImage}\nRUN false\n");

        var result = await run.RunAsync(source, "--json");

        Assert.Equal(1, result.ExitCode);
        var lines = result.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.All(lines, l => Assert.True(System.Text.Json.JsonDocument.Parse(l).RootElement.ValueKind == System.Text.Json.JsonValueKind.Object, l));
        Assert.StartsWith("{\"error\":\"The build failed:", lines[^1], StringComparison.Ordinal);
        Assert.Contains("Build failed: ", result.Stderr, StringComparison.Ordinal);
    }

    /// <summary>Replaces what differs between two builds of the same thing: image ids and digests.</summary>
    // The layer cache's cost differs between a first publish and a republish (configs already in
    // the registry) and with the clock: only its shape is compared.
    private static string Normalise(string line) =>
        CacheCost().Replace(ShortId().Replace(LongId().Replace(line, "<id>"), "<short-id>"), "$1 <cost>");

    [GeneratedRegex(@"(Layer cache (?:published|primed): \d+ intermediate images), [^""]*")]
    private static partial Regex CacheCost();

    [GeneratedRegex("(sha256:)?[0-9a-f]{64}")]
    private static partial Regex LongId();

    // Podman's "--> 1a2b3c4d5e6" step ids; '>' arrives JSON-escaped as \u003E.
    [GeneratedRegex(@"\b[0-9a-f]{10,12}\b")]
    private static partial Regex ShortId();
}
