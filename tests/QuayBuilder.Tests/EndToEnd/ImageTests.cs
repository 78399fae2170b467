using System.Diagnostics;
using System.Text.Json;
using QuayBuilder.Protocol;

namespace QuayBuilder.Tests.EndToEnd;

/// <summary>
/// The quay-builder image (scripts/image) run the way Quay's kubernetesPodman executor runs it
/// (<see cref="ExecutorContainer"/>): unprivileged, as the image's `podman` user, the worker
/// starting its own rootless Podman 5 service on vfs inside; and the image's PID 1.
/// </summary>
[Collection(EndToEndCollection.Name)]
public sealed class ImageTests : IDisposable
{
    private readonly DirectoryInfo _root = Directory.CreateTempSubdirectory("qb-image-");

    public void Dispose() => Directory.Delete(_root.FullName, recursive: true);

    [Fact]
    public async Task Image_RunAsTheKubernetesPodmanExecutorDoes_BuildsWithItsOwnRootlessPodman5AndPushes()
    {
        var services = await TestServices.GetAsync();
        var marker = "built-in-image-" + Guid.NewGuid().ToString("N")[..8];
        await using var run = await ExecutorContainer.CreateAsync(new Dictionary<string, string>
        {
            ["Dockerfile"] = $"FROM {services.BaseImage}\nRUN echo {marker} && id -u > /built-as\nCOPY app.txt /srv/app.txt\n",
            ["app.txt"] = "from the image test\n",
        }, _root.FullName);

        var result = await run.RunAsync(TimeSpan.FromMinutes(4));

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal([Phase.Unpacking, Phase.Pulling, Phase.Building, Phase.Pushing, Phase.Complete], run.Manager.PhaseSequence);
        Assert.Empty(run.Manager.Violations);
        Assert.Contains(run.Manager.LogLines, l => l.Text == marker + "\n");
        // DEBUG names the runtime: the image's own rootless Podman 5 on vfs served the build, not the host's 4.
        Assert.Matches(@"version 5\.\d+\.\d+, storage vfs, rootless True", result.Output);

        using var registry = new RegistryProbe(services.Registry);
        Assert.Equal(["latest"], await registry.TagsAsync(run.Repository));
        Assert.Equal("from the image test\n", await registry.ReadFileAsync(run.Repository, "latest", "srv/app.txt"));
        // RUN ran as root of the rootless user namespace: the podman user's subordinate ids work.
        Assert.Equal("0\n", await registry.ReadFileAsync(run.Repository, "latest", "built-as"));

        var everything = result.Output + string.Concat(run.Manager.LogLines.Select(l => l.Json));
        Assert.DoesNotContain(run.Secrets, s => everything.Contains(s, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Image_WhenStoppedMidBuild_Pid1ForwardsSigtermAndTheWorkerReportsCancelled()
    {
        var services = await TestServices.GetAsync();
        await using var run = await ExecutorContainer.CreateAsync(new Dictionary<string, string>
        {
            ["Dockerfile"] = $"FROM {services.BaseImage}\nRUN echo long-step && sleep 120\n",
        }, _root.FullName);
        var stopped = new TaskCompletionSource<ProcessResult>(TaskCreationOptions.RunContinuationsAsynchronously);
        run.Manager.OnPhase = phase =>
        {
            if (phase == Phase.Building)
            {
                _ = Task.Run(async () =>
                {
                    await run.Manager.WaitForLogLineAsync("long-step\n");
                    // What Kubernetes does to a deleted Job's pod: SIGTERM to PID 1, SIGKILL after the grace period.
                    stopped.SetResult(await ProcessRunner.RunAsync("podman", ["stop", "--time", "40", run.Name]));
                });
            }
        };

        var watch = Stopwatch.StartNew();
        var result = await run.RunAsync(TimeSpan.FromMinutes(3));

        // 6 is the worker's own exit code for a cancelled build: catatonit passed SIGTERM on and
        // the worker's status out; a SIGKILL at the end of the grace period would be 137.
        Assert.True(result.ExitCode == 6, result.ToString());
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(60), result.ToString());
        var stop = await stopped.Task.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.True(stop.ExitCode == 0, stop.ToString());
        // ADR 0007: a stopped worker sets no final phase (the job expires and Quay requeues it).
        Assert.Equal(Phase.Building, run.Manager.PhaseSequence[^1]);
        Assert.StartsWith("build stopped: the worker received SIGTERM.", Assert.Single(run.Manager.LogLines, l => l.Key == "error").Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Image_Config_IsThePodmanUserWithAnInitAsPid1BeforeTheWorker()
    {
        var image = await BuilderImage.GetAsync();

        var inspect = await ProcessRunner.RunAsync("podman", ["image", "inspect", "--format", "{{json .Config}}", image]);

        Assert.True(inspect.ExitCode == 0, inspect.ToString());
        using var config = JsonDocument.Parse(inspect.Stdout);
        Assert.Equal("podman", config.RootElement.GetProperty("User").GetString());
        Assert.Equal(["/usr/local/bin/catatonit", "--", "/usr/local/bin/quay-builder"],
            config.RootElement.GetProperty("Entrypoint").EnumerateArray().Select(e => e.GetString()!));
    }

    [Fact]
    public async Task Image_Pid1_ReapsAnOrphanedChild()
    {
        var image = await BuilderImage.GetAsync();
        // The image's PID 1 program with a shell in the worker's place: a child whose parent exits is
        // re-parented to PID 1, and must be gone (reaped), not a zombie, once it has exited.
        const string script = "sh -c 'sleep 1 & echo $! > /tmp/orphan'; o=$(cat /tmp/orphan); "
            + "echo \"parent=$(grep '^PPid:' /proc/$o/status | tr -dc 0-9)\"; sleep 3; "
            + "if [ -e /proc/$o ]; then echo \"left=$(grep '^State:' /proc/$o/status)\"; else echo reaped; fi";
        var name = "qb-image-" + Guid.NewGuid().ToString("N")[..8];
        string[] arguments = ["run", "--rm", "--name", name, "--network", "none", .. await BuilderImage.LimitOptionsAsync(),
            "--entrypoint", "/usr/local/bin/catatonit", image, "--", "sh", "-c", script];

        var result = await BuilderImage.RunContainerAsync(name, arguments, new Dictionary<string, string?>(), TimeSpan.FromMinutes(1));

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal(["parent=1", "reaped"], result.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }
}
