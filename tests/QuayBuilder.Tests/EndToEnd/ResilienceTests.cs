using System.Diagnostics;
using QuayBuilder.Protocol;

namespace QuayBuilder.Tests.EndToEnd;

/// <summary>Faults a worker lives through (issue 7), each against the real Podman service.</summary>
[Collection(EndToEndCollection.Name)]
public sealed class ResilienceTests
{
    /// <summary>How long the manager stays down: the fault itself, not a wait for anything.</summary>
    private static readonly TimeSpan ManagerOutage = TimeSpan.FromSeconds(2);

    private static async Task<WorkerRun> RunWithDockerfileAsync(string dockerfileBody, string[]? tags = null)
    {
        var services = await TestServices.GetAsync();
        var package = BuildPackages.TarGz(new Dictionary<string, string> { ["Dockerfile"] = $"FROM {services.BaseImage}\n{dockerfileBody}" });
        return await WorkerRun.CreateAsync(p => p.Add("build.tar.gz", package), tags: tags);
    }

    [Fact]
    public async Task Worker_WhenSetPhaseIsUnavailableTwice_StillCompletes()
    {
        await using var run = await RunWithDockerfileAsync("RUN echo blip-test\n");
        run.Manager.SetPhaseUnavailable = 2;

        var result = await run.RunAsync();

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal([Phase.Unpacking, Phase.Pulling, Phase.Building, Phase.Pushing, Phase.Complete], run.Manager.PhaseSequence);
    }

    [Fact]
    public async Task Worker_WhenTheLogStreamBreaksMidBuild_ReopensItAndDeliversEveryLine()
    {
        await using var run = await RunWithDockerfileAsync("RUN i=0; while [ $i -lt 200 ]; do echo numbered-$i; i=$((i+1)); done\n");
        run.Manager.BreakLogStreamAfter = 25;
        run.Manager.LogStreamBreaks = 2;

        var result = await run.RunAsync();

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.True(run.Manager.LogStreamsOpened >= 3, $"streams: {run.Manager.LogStreamsOpened}");
        var numbered = run.Manager.LogLines.Select(l => l.Text).Where(t => t.StartsWith("numbered-", StringComparison.Ordinal)).Distinct().ToList();
        Assert.Equal(Enumerable.Range(0, 200).Select(i => $"numbered-{i}\n"), numbered);
        Assert.Empty(run.Manager.Violations);
    }

    [Fact]
    public async Task Worker_WhenTheManagerRestartsMidBuild_ResumesAndCompletes()
    {
        await using var run = await RunWithDockerfileAsync("RUN echo before-restart && sleep 6 && echo after-restart\n");
        var restarted = new TaskCompletionSource();
        run.Manager.OnPhase = phase =>
        {
            if (phase == Phase.Building)
            {
                _ = Task.Run(async () =>
                {
                    // Mid-RUN: the step has printed its first line and sleeps.
                    await run.Manager.WaitForLogLineAsync("before-restart\n");
                    await run.Server.StopAsync();
                    await Task.Delay(ManagerOutage);
                    await run.Server.RestartAsync();
                    restarted.TrySetResult();
                });
            }
        };

        var result = await run.RunAsync();

        Assert.True(restarted.Task.IsCompleted, "the manager was restarted during the build");
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal(Phase.Complete, run.Manager.PhaseSequence[^1]);
        Assert.Contains(run.Manager.LogLines, l => l.Text == "after-restart\n");
        Assert.Empty(run.Manager.Violations);
    }

    [Fact]
    public async Task Worker_WhenHeartbeatsAreRejectedThreeTimes_StopsTheBuildPushesNothingAndExitsQuickly()
    {
        await using var run = await RunWithDockerfileAsync("RUN echo long-step && sleep 120\n");
        run.Environment["HEARTBEAT_INTERVAL"] = "1";
        run.Manager.OnPhase = phase =>
        {
            if (phase == Phase.Building)
            {
                run.Manager.HeartbeatReply = () => false;
            }
        };

        var result = await run.RunAsync(TimeSpan.FromSeconds(90));

        Assert.Equal(4, result.ExitCode);
        Assert.True(result.Elapsed < TimeSpan.FromSeconds(60), result.ToString());
        Assert.DoesNotContain(Phase.Pushing, run.Manager.PhaseSequence);
        Assert.Empty(await new RegistryProbe(run.Services.Registry).TagsAsync(run.Repository));
        Assert.Contains("three heartbeats", result.Stderr, StringComparison.Ordinal);
        Assert.Empty(Directory.EnumerateFileSystemEntries(run.WorkRoot));
    }

    [Fact]
    public async Task Worker_WhenTheManagerIsUnreachableLongerThanTheWindow_GivesTheJobUp()
    {
        await using var run = await RunWithDockerfileAsync("RUN echo long-step && sleep 120\n");
        run.Environment["HEARTBEAT_INTERVAL"] = "1";
        run.Environment["HEARTBEAT_WINDOW"] = "5";
        run.Manager.OnPhase = phase =>
        {
            if (phase == Phase.Building)
            {
                _ = Task.Run(run.Server.StopAsync);
            }
        };

        var result = await run.RunAsync(TimeSpan.FromSeconds(90));

        Assert.Equal(4, result.ExitCode);
        Assert.Contains("no heartbeat reached the build manager", result.Stderr, StringComparison.Ordinal);
        Assert.Empty(await new RegistryProbe(run.Services.Registry).TagsAsync(run.Repository));
        Assert.Empty(Directory.EnumerateFileSystemEntries(run.WorkRoot));
    }

    [Fact]
    public async Task Worker_WhenTheRegistryIsDownDuringPush_RetriesThenFailsNamingTheRegistryAndTag()
    {
        await using var run = await RunWithDockerfileAsync("RUN echo built\n");
        var closedPort = LoopbackPort.Free();
        run.Manager.Pack.Registry = $"127.0.0.1:{closedPort}";

        var result = await run.RunAsync();

        // A registry that cannot be reached would fail on any builder: ERROR, not a requeue.
        Assert.Equal(1, result.ExitCode);
        Assert.Equal(Phase.Error, run.Manager.PhaseSequence[^1]);
        Assert.Contains(Phase.Pushing, run.Manager.PhaseSequence);
        var error = Assert.Single(run.Manager.LogLines, l => l.Key == "error").Text;
        Assert.Contains($"127.0.0.1:{closedPort}/{run.Repository}:latest", error, StringComparison.Ordinal);
        Assert.Equal(2, run.Manager.LogLines.Count(l => l.Text.Contains("retrying in", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task Worker_WhenSigtermArrivesMidBuild_ReportsTheStopCleansUpAndLeavesTheJobToBeRequeued()
    {
        await using var run = await RunWithDockerfileAsync("RUN echo long-step && sleep 120\n");
        Process? worker = null;
        run.Manager.OnPhase = phase =>
        {
            if (phase == Phase.Building)
            {
                _ = Task.Run(async () =>
                {
                    await run.Manager.WaitForLogLineAsync("long-step\n");
                    Process.Start("kill", ["-TERM", worker!.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]).WaitForExit();
                });
            }
        };

        var watch = Stopwatch.StartNew();
        var result = await run.RunAsync(TimeSpan.FromSeconds(90), started: p => worker = p);

        Assert.Equal(6, result.ExitCode);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(60), result.ToString());
        Assert.Equal(Phase.Building, run.Manager.PhaseSequence[^1]);
        Assert.StartsWith("build stopped: the worker received SIGTERM.", Assert.Single(run.Manager.LogLines, l => l.Key == "error").Text, StringComparison.Ordinal);
        Assert.Empty(Directory.EnumerateFileSystemEntries(run.WorkRoot));
        Assert.DoesNotContain("Unhandled exception", result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Worker_WhenPodmanDiesMidBuild_ReportsWhatDiedSendsNoFinalPhaseAndExitsWithinTenSeconds()
    {
        // A private service of this test's own (it kills it), at a path and port no one else uses.
        var state = $"/tmp/qb-test-dying-{Guid.NewGuid().ToString("N")[..8]}";
        var port = LoopbackPort.Free();
        var dying = await TestServices.StartPrivateAsync(state, port);
        try
        {
            var package = BuildPackages.TarGz(new Dictionary<string, string> { ["Dockerfile"] = $"FROM {dying.BaseImage}\nRUN echo long-step && sleep 120\n" });
            await using var run = await WorkerRun.CreateAsync(p => p.Add("build.tar.gz", package));
            run.Environment["DOCKER_HOST"] = $"unix://{dying.PodmanSocket}";
            var killedAt = new TaskCompletionSource<DateTime>();
            run.Manager.OnPhase = phase =>
            {
                if (phase == Phase.Building)
                {
                    _ = Task.Run(async () =>
                    {
                        await run.Manager.WaitForLogLineAsync("long-step\n");
                        var pid = File.ReadAllText(Path.Combine(state, "podman.pid")).Trim();
                        Process.Start("kill", ["-KILL", pid]).WaitForExit();
                        killedAt.TrySetResult(DateTime.UtcNow);
                    });
                }
            };

            var result = await run.RunAsync(TimeSpan.FromSeconds(90));
            var exited = DateTime.UtcNow;

            Assert.True(killedAt.Task.IsCompleted, result.ToString());
            var killed = await killedAt.Task;
            Assert.True(exited - killed < TimeSpan.FromSeconds(10), $"exited {(exited - killed).TotalSeconds:0.0} s after Podman died");
            // A failure of this machine: no final phase, so the job expires and Quay requeues it.
            Assert.Equal(5, result.ExitCode);
            Assert.Equal(Phase.Building, run.Manager.PhaseSequence[^1]);
            var error = Assert.Single(run.Manager.LogLines, l => l.Key == "error").Text;
            Assert.Contains("build", error, StringComparison.OrdinalIgnoreCase);
            Assert.Contains("Podman", error, StringComparison.OrdinalIgnoreCase);
            Assert.Contains("retried on another builder", error, StringComparison.Ordinal);
        }
        finally
        {
            await TestServices.StopPrivateAsync(state, port);
            // vfs layers may hold read-only directories that Directory.Delete trips over.
            await ProcessRunner.RunAsync("rm", ["-rf", state, state + ".lock"]);
        }
    }
}
