namespace QuayBuilder.Podman.Tests;

/// <summary>
/// Podman's service run by an unprivileged user (subuid/subgid ranges, vfs, chroot isolation),
/// started from the root test process with runuser as a <see cref="PodmanServiceOptions.CommandPrefix"/>.
/// </summary>
[Collection(PodmanCollection.Name)]
public sealed class RootlessTests(PodmanFixture podman) : IAsyncLifetime
{
    internal const string User = "qbrootless";

    private readonly string _dir = Path.Combine("/tmp/qb-test-rootless", Guid.NewGuid().ToString("N")[..8]);

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        // Rootless Podman leaves a pause process (catatonit) per runtime dir to keep its user
        // namespace; this one belongs to the test's throwaway runtime dir, so end it.
        var pauseFile = Path.Combine(_dir, "xdg", "libpod", "tmp", "pause.pid");
        if (File.Exists(pauseFile) && int.TryParse(await File.ReadAllTextAsync(pauseFile), out var pid))
        {
            try
            {
                using var pause = System.Diagnostics.Process.GetProcessById(pid);
                pause.Kill();
            }
            catch (ArgumentException)
            {
            }
        }

        await PrivateServiceConfig.DeleteAsync(_dir);
    }

    [Fact]
    public async Task Build_WhenServiceRunsRootless_RunsStepsWithChrootIsolation()
    {
        await EnsureUserAsync();
        var xdg = Path.Combine(_dir, "xdg");
        Directory.CreateDirectory(xdg);
        var options = PrivateServiceConfig.Write(_dir, [podman.Registry]);
        await ProcessRunner.RunCheckedAsync("chown", ["-R", $"{User}:{User}", _dir]);
        await ProcessRunner.RunCheckedAsync("chmod", ["0700", xdg]);
        options = options with
        {
            CommandPrefix =
            [
                "runuser", "-u", User, "--", "env",
                $"XDG_RUNTIME_DIR={xdg}", $"HOME=/home/{User}",
                $"CONTAINERS_CONF={options.Environment["CONTAINERS_CONF"]}",
                $"CONTAINERS_REGISTRIES_CONF={options.Environment["CONTAINERS_REGISTRIES_CONF"]}",
            ],
        };
        var tag = $"localhost/{TestEnvironment.Unique("qbtest-rootless")}:latest";
        var messages = new List<PodmanMessage>();

        await using var service = await PodmanService.StartAsync(options, TimeSpan.FromSeconds(60), CancellationToken.None);
        await using var client = new PodmanClient(service.SocketPath);
        var info = await client.InfoAsync(CancellationToken.None);
        var id = await client.BuildAsync(
            new BuildParameters { Tag = tag, Isolation = "chroot" },
            BuildContextTar.From(new Dictionary<string, string>
            {
                ["Dockerfile"] = $"FROM {podman.BaseImage}\nRUN echo rootless-run-ok\nCOPY note.txt /note.txt\nRUN cat /note.txt && id -u\n",
                ["note.txt"] = "copied-rootless\n",
            }),
            messages.Add,
            CancellationToken.None);

        Assert.True(info.Rootless, "the service does not report rootless");
        var text = BuildOutput.Text(messages);
        Assert.Contains("\nrootless-run-ok\n", text, StringComparison.Ordinal);
        // uid 0 inside the user namespace, mapped to qbrootless outside.
        Assert.Contains("\ncopied-rootless\n0\n", text, StringComparison.Ordinal);
        Assert.Equal(id, (await client.InspectImageAsync(tag, CancellationToken.None))?.Id);
    }

    /// <summary>Creates the unprivileged user with subordinate id ranges if this machine lacks it (needs root).</summary>
    private static async Task EnsureUserAsync()
    {
        var code = (await ProcessRunner.RunAsync("id", ["-u", User])).ExitCode;
        if (code != 0)
        {
            await ProcessRunner.RunCheckedAsync("useradd", ["-m", User]);
        }

        var subuid = File.Exists("/etc/subuid") ? await File.ReadAllTextAsync("/etc/subuid") : string.Empty;
        if (!subuid.Contains($"{User}:", StringComparison.Ordinal))
        {
            await ProcessRunner.RunCheckedAsync("usermod", ["--add-subuids", "200000-265535", "--add-subgids", "200000-265535", User]);
        }
    }
}
