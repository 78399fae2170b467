using QuayBuilder.Tests.EndToEnd;
using QuayBuilder.Tests.Local;

namespace QuayBuilder.Tests.Cli;

/// <summary>
/// The published binary reads the manager's settings in worker mode only: <c>local</c> builds and
/// <c>check</c> diagnoses with none of them set, or with bad ones, and neither needs a stand-in.
/// </summary>
[Collection(EndToEndCollection.Name)]
public sealed class SettingsEndToEndTests
{
    [Fact]
    public async Task Local_WhenTheManagersVariablesAreBad_BuildsAnyway()
    {
        await using var run = await LocalRun.CreateAsync();
        var name = "settings-" + Guid.NewGuid().ToString("N")[..8];
        var source = Directory.CreateDirectory(Path.Combine(run.Scratch, name)).FullName;
        await File.WriteAllTextAsync(Path.Combine(source, "Dockerfile"), $"FROM {run.Services.BaseImage}\nRUN echo {name}\n");
        var reference = $"localhost/local/{name}:latest";
        run.LeavesImage(reference);
        var environment = run.Environment();
        // Each of these ends worker mode with exit 2 (WorkerEndToEndTests); none concerns a build.
        environment["SERVER"] = "buildman.example.com";
        environment["INSECURE"] = "maybe";
        environment["HEARTBEAT_INTERVAL"] = "45";
        environment["TLS_CERT_PATH"] = "/nonexistent/ca.pem";

        var result = await ProcessRunner.RunAsync(await WorkerBinary.GetAsync(), ["local", source, "--plain"], environment, TimeSpan.FromMinutes(4), clearEnvironment: true);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains($"Tag:      {reference}", result.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Local_WhenABuildVariableIsBad_ExitsTwoWithTheWorkersMessage()
    {
        await using var run = await LocalRun.CreateAsync();
        var environment = run.Environment();
        environment["DOCKER_HOST"] = "tcp://127.0.0.1:2375";

        var result = await ProcessRunner.RunAsync(await WorkerBinary.GetAsync(), ["local", run.Scratch], environment, TimeSpan.FromMinutes(1), clearEnvironment: true);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("quay-builder: DOCKER_HOST 'tcp://127.0.0.1:2375' is not a unix socket", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Check_WithoutServerAndToken_ReportsBothOnceAndFindsPodmanInTheGivenRuntimeDirectory()
    {
        var services = await TestServices.GetAsync();
        var scratch = Directory.CreateTempSubdirectory("qb-check-e2e-").FullName;
        try
        {
            var runtimeDir = Directory.CreateDirectory(Path.Combine(scratch, "xdg", "podman")).Parent!.FullName;
            File.CreateSymbolicLink(Path.Combine(runtimeDir, "podman", "podman.sock"), services.PodmanSocket);

            var result = await ProcessRunner.RunAsync(await WorkerBinary.GetAsync(), ["check"], new Dictionary<string, string?>
            {
                ["XDG_RUNTIME_DIR"] = runtimeDir,
                ["WORK_DIR"] = scratch,
            }, TimeSpan.FromMinutes(1), clearEnvironment: true);

            var lines = result.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
            // Exit status = failed checks: TOKEN and SERVER (and workdir, should this machine's disk be nearly full).
            Assert.True(result.ExitCode == lines.Count(l => l.StartsWith("FAIL ", StringComparison.Ordinal)) && result.ExitCode >= 2, result.ToString());
            Assert.Equal(["FAIL token    TOKEN is not set: the build manager passes the registration token in TOKEN; start the worker the way Quay's executor does."], lines.Where(l => l.StartsWith("FAIL token", StringComparison.Ordinal)));
            Assert.Contains("FAIL manager  SERVER is not set: set it to the build manager's gRPC endpoint as host:port", result.Stdout, StringComparison.Ordinal);
            Assert.Contains($"ok   podman   {runtimeDir}/podman/podman.sock: Podman ", result.Stdout, StringComparison.Ordinal);
            Assert.Contains("ok   config   other settings valid", result.Stdout, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(scratch, recursive: true);
        }
    }
}
