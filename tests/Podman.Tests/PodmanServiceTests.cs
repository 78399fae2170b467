using System.Diagnostics;

namespace QuayBuilder.Podman.Tests;

/// <summary>The worker's own <c>podman system service</c> (EXECUTOR=kubernetesPodman) and stopping a build with it.</summary>
[Collection(PodmanCollection.Name)]
public sealed class PodmanServiceTests(PodmanFixture podman, Xunit.Abstractions.ITestOutputHelper output) : IAsyncLifetime
{
    private static readonly CancellationToken None = CancellationToken.None;
    private readonly string _dir = Path.Combine("/tmp/qb-test-podman-service", Guid.NewGuid().ToString("N")[..8]);

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync() => PrivateServiceConfig.DeleteAsync(_dir);

    [Fact]
    public async Task Start_WhenSocketFree_AnswersAndDisposeStopsIt()
    {
        var options = PrivateServiceConfig.Write(_dir, [podman.Registry]);
        int pid;
        await using (var service = await PodmanService.StartAsync(options, TimeSpan.FromSeconds(30), None))
        {
            pid = service.ProcessId;
            await using var client = new PodmanClient(service.SocketPath);
            var info = await client.InfoAsync(None);
            Assert.Equal("vfs", info.StorageDriver);
            Assert.Equal(options.SocketPath, service.SocketPath);
            Assert.Equal(options.SocketPath, await ContainerSocket.DiscoverAsync([options.SocketPath], TimeSpan.Zero, None));
        }

        Assert.False(Directory.Exists($"/proc/{pid}"), "the service process is still there");
        Assert.Null(await ContainerSocket.DiscoverAsync([options.SocketPath], TimeSpan.Zero, None));
    }

    [Fact]
    public async Task Start_WhenAnotherServiceAnswersOnSocket_RefusesClearly()
    {
        var options = PrivateServiceConfig.Write(_dir, [podman.Registry]) with { SocketPath = podman.SocketPath };

        var e = await Assert.ThrowsAsync<PodmanException>(() => PodmanService.StartAsync(options, TimeSpan.FromSeconds(5), None));

        Assert.Contains("another service already answers", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Start_WhenPodmanCannotBeRun_ThrowsSayingSo()
    {
        var options = PrivateServiceConfig.Write(_dir, []) with { PodmanPath = "/nonexistent/podman" };

        var e = await Assert.ThrowsAsync<PodmanException>(() => PodmanService.StartAsync(options, TimeSpan.FromSeconds(5), None));

        Assert.Contains("/nonexistent/podman", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Start_WhenServiceExitsEarly_ThrowsWithItsOutput()
    {
        var options = PrivateServiceConfig.Write(_dir, []) with { StorageDriver = "no-such-driver" };
        var watch = Stopwatch.StartNew();

        var e = await Assert.ThrowsAsync<PodmanException>(() => PodmanService.StartAsync(options, TimeSpan.FromSeconds(30), None));

        Assert.Contains("exited with code", e.Message, StringComparison.Ordinal);
        Assert.Contains("no-such-driver", e.Message, StringComparison.Ordinal);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(20));
    }

    [Fact]
    public async Task Stop_WhenBuildIsRunning_EndsItsRunProcessesWithin10SecondsAndCreatesNoImage()
    {
        var options = PrivateServiceConfig.Write(_dir, [podman.Registry]);
        var tag = $"localhost/{TestEnvironment.Unique("qbtest-stop")}:latest";
        // A sleep length no other process on the machine has, to find it in /proc.
        var marker = Random.Shared.Next(60_000, 69_999).ToString(System.Globalization.CultureInfo.InvariantCulture);
        var started = new TaskCompletionSource();
        TimeSpan stopTook;

        await using (var service = await PodmanService.StartAsync(options, TimeSpan.FromSeconds(30), None))
        {
            await using var client = new PodmanClient(service.SocketPath);
            using var cts = new CancellationTokenSource();
            var build = client.BuildAsync(
                new BuildParameters { Tag = tag },
                BuildContextTar.From(new Dictionary<string, string>
                {
                    ["Dockerfile"] = $"FROM {podman.BaseImage}\nRUN echo started-$((1+1)) && sleep {marker} && echo woke\n",
                }),
                m =>
                {
                    if (m.Stream?.Contains("started-2", StringComparison.Ordinal) == true)
                    {
                        started.TrySetResult();
                    }
                },
                cts.Token);
            await started.Task.WaitAsync(TimeSpan.FromSeconds(90));
            await Eventually.TrueAsync(() => SleepProcesses(marker).Count > 0, TimeSpan.FromSeconds(10), $"the RUN step's sleep {marker}");

            // What the worker does on abort: cancel the request, then stop the service it started.
            var watch = Stopwatch.StartNew();
            await cts.CancelAsync();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => build);
            await service.StopAsync(None);
            stopTook = watch.Elapsed;
        }

        output.WriteLine($"cancel + stop took {stopTook.TotalMilliseconds:0} ms");
        Assert.True(stopTook < TimeSpan.FromSeconds(10), $"stopping took {stopTook}");

        // SIGKILL is delivered asynchronously: a killed RUN process can still be in /proc for a
        // moment after the service itself has exited. It must be gone within the same 10 s.
        var gone = Stopwatch.StartNew();
        while (SleepProcesses(marker).Count > 0 && stopTook + gone.Elapsed < TimeSpan.FromSeconds(10))
        {
            await Task.Delay(50);
        }

        output.WriteLine($"RUN processes gone {(stopTook + gone.Elapsed).TotalMilliseconds:0} ms after the cancel");
        Assert.Empty(SleepProcesses(marker));

        // The same storage, served again, holds no image of the cancelled build.
        await using (var again = await PodmanService.StartAsync(options, TimeSpan.FromSeconds(30), None))
        {
            await using var client = new PodmanClient(again.SocketPath);
            Assert.Null(await client.InspectImageAsync(tag, None));
        }
    }

    private static List<int> SleepProcesses(string marker)
    {
        var found = new List<int>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out var pid))
            {
                continue;
            }

            try
            {
                var cmdline = File.ReadAllText(Path.Combine(dir, "cmdline"));
                if (cmdline == $"sleep\0{marker}\0")
                {
                    found.Add(pid);
                }
            }
            catch (IOException)
            {
            }
            catch (UnauthorizedAccessException)
            {
            }
        }

        return found;
    }
}
