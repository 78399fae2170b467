using System.Text.RegularExpressions;
using QuayBuilder.Tests.EndToEnd;
using Xunit.Abstractions;

namespace QuayBuilder.Tests.Hosting;

/// <summary>
/// The published worker run as systemd would run it: NOTIFY_SOCKET on a real datagram socket we
/// read like PID 1 does, WATCHDOG_USEC, and JOURNAL_STREAM/INVOCATION_ID so its stderr takes the
/// journald format. Uses the end-to-end services (real Podman and registry, fake manager).
/// </summary>
[Collection(EndToEndCollection.Name)]
public sealed partial class WorkerUnderSystemdTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Worker_UnderSystemd_NotifiesReadyAfterRegistrationThenStepsPhasesAndStopping()
    {
        var services = await TestServices.GetAsync();
        var package = BuildPackages.TarGz(new Dictionary<string, string>
        {
            // The sleep keeps step 2 on screen longer than the 1 s status rate limit.
            ["Dockerfile"] = $"FROM {services.BaseImage}\nRUN sleep 2\n",
        });
        await using var run = await WorkerRun.CreateAsync(p => p.Add("notify.tar.gz", package));
        using var systemd = NotifySocketListener.BindPath();
        UnderSystemd(run, systemd, watchdogUsec: "2000000");

        var collecting = CollectUntilStoppingAsync(systemd);
        var result = await run.RunAsync();
        var messages = await collecting;
        output.WriteLine(string.Join('\n', messages.Select(m => "notify: " + m)) + "\n" + result);

        Assert.True(result.ExitCode == 0, result.ToString());
        var state = messages.Where(m => m != "WATCHDOG=1").ToList();
        Assert.Equal("STATUS=registering with the build manager", state[0]);
        Assert.Equal("READY=1", state[1]);
        Assert.Contains("STATUS=building: Step 2/3 : RUN sleep 2", state);
        Assert.Equal(["STATUS=complete", "STOPPING=1"], state[^2..]);
        Assert.True(state.IndexOf("STATUS=building: Step 2/3 : RUN sleep 2") > 1);
        // A 2 s watchdog pings every second; the build takes several.
        Assert.Contains("WATCHDOG=1", messages);
        AssertJournaldLines(result.Stderr, run.Environment["BUILD_UUID"]!);
        run.AssertNoSecretIn(result);
    }

    [Fact]
    public async Task Worker_UnderSystemd_WhenTheBuildFails_LogsAtErrPriorityAndShowsTheErrorStatus()
    {
        var services = await TestServices.GetAsync();
        var package = BuildPackages.TarGz(new Dictionary<string, string>
        {
            ["Dockerfile"] = $"FROM {services.BaseImage}\nRUN echo going-down && false\n",
        });
        await using var run = await WorkerRun.CreateAsync(p => p.Add("fail.tar.gz", package));
        using var systemd = NotifySocketListener.BindPath();
        UnderSystemd(run, systemd, watchdogUsec: null);

        var collecting = CollectUntilStoppingAsync(systemd);
        var result = await run.RunAsync();
        var messages = await collecting;
        output.WriteLine(string.Join('\n', messages.Select(m => "notify: " + m)) + "\n" + result);

        Assert.Equal(1, result.ExitCode);
        Assert.Equal("STOPPING=1", messages[^1]);
        Assert.StartsWith("STATUS=error: ", messages[^2], StringComparison.Ordinal);
        Assert.Contains("RUN echo going-down", messages[^2], StringComparison.Ordinal);
        Assert.DoesNotContain("WATCHDOG=1", messages);
        var uuid = run.Environment["BUILD_UUID"]!;
        AssertJournaldLines(result.Stderr, uuid);
        // What `journalctl -p err -u quay-builder` would find.
        Assert.Contains(result.Stderr.Split('\n'), l => l.StartsWith("<3>[" + uuid + "] ", StringComparison.Ordinal) && l.Contains("going-down", StringComparison.Ordinal));
        run.AssertNoSecretIn(result);
    }

    private static void UnderSystemd(WorkerRun run, NotifySocketListener systemd, string? watchdogUsec)
    {
        run.Environment["NOTIFY_SOCKET"] = systemd.NotifySocket;
        run.Environment["WATCHDOG_USEC"] = watchdogUsec;
        run.Environment["JOURNAL_STREAM"] = "8:4242";
        run.Environment["INVOCATION_ID"] = Guid.NewGuid().ToString("N");
    }

    // Read concurrently, as systemd does: the kernel queues only a few datagrams per socket
    // (net.unix.max_dgram_qlen, 10 here), and the worker drops rather than block on a full queue.
    private static Task<List<string>> CollectUntilStoppingAsync(NotifySocketListener systemd) => Task.Run(async () =>
    {
        var messages = new List<string>();
        while (await systemd.ReceiveAsync(TimeSpan.FromMinutes(4)) is { } message)
        {
            messages.Add(message);
            if (message == "STOPPING=1")
            {
                break;
            }
        }

        return messages;
    });

    private static void AssertJournaldLines(string stderr, string uuid)
    {
        var lines = stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.NotEmpty(lines);
        Assert.All(lines, l => Assert.Matches(JournaldLine(), l));
        Assert.All(lines, l => Assert.StartsWith("<", l, StringComparison.Ordinal));
        Assert.All(lines, l => Assert.Contains("[" + uuid + "] ", l, StringComparison.Ordinal));
    }

    [GeneratedRegex(@"^<[2-7]>\[[^\]]+\] \S")]
    private static partial Regex JournaldLine();
}
