using System.Diagnostics;
using System.Globalization;
using QuayBuilder.Hosting;
using QuayBuilder.Logging;

namespace QuayBuilder.Tests.Hosting;

public sealed class SystemdNotifierTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan Quiet = TimeSpan.FromMilliseconds(400);

    private static SystemdEnvironment Notify(string socket, string? watchdogUsec = null, string? watchdogPid = null) =>
        SystemdEnvironment.None with { NotifySocket = socket, WatchdogUsec = watchdogUsec, WatchdogPid = watchdogPid };

    [Fact]
    public async Task Ready_WhenNotifySocketIsAPath_SendsReady1()
    {
        using var systemd = NotifySocketListener.BindPath();
        using var notifier = new SystemdNotifier(Notify(systemd.NotifySocket), new SecretMasker());

        notifier.Ready();

        Assert.True(notifier.IsEnabled);
        Assert.Equal("READY=1", await systemd.ReceiveAsync(Wait));
    }

    [Fact]
    public async Task Ready_WhenNotifySocketIsAbstract_SendsReady1()
    {
        using var systemd = NotifySocketListener.BindAbstract();
        using var notifier = new SystemdNotifier(Notify(systemd.NotifySocket), new SecretMasker());

        notifier.Ready();

        Assert.Equal("READY=1", await systemd.ReceiveAsync(Wait));
    }

    [Fact]
    public async Task Lifecycle_WhenPhasesChange_SendsStatusPerPhaseThenReadyThenStopping()
    {
        using var systemd = NotifySocketListener.BindPath();
        using var notifier = new SystemdNotifier(Notify(systemd.NotifySocket), new SecretMasker(), statusInterval: TimeSpan.Zero);

        notifier.Status("registering with buildman.example.com:55443");
        notifier.Ready();
        notifier.Status("unpacking");
        notifier.Status("pulling: quay.io/library/busybox:latest");
        notifier.Status("building: Step 3/7 : RUN make");
        notifier.Status("pushing");
        notifier.Status("complete");
        notifier.Stopping();

        string?[] expected =
        [
            "STATUS=registering with buildman.example.com:55443",
            "READY=1",
            "STATUS=unpacking",
            "STATUS=pulling: quay.io/library/busybox:latest",
            "STATUS=building: Step 3/7 : RUN make",
            "STATUS=pushing",
            "STATUS=complete",
            "STOPPING=1",
        ];
        foreach (var message in expected)
        {
            Assert.Equal(message, await systemd.ReceiveAsync(Wait));
        }
    }

    [Fact]
    public async Task Status_WhenSameTextRepeats_SendsItOnce()
    {
        using var systemd = NotifySocketListener.BindPath();
        using var notifier = new SystemdNotifier(Notify(systemd.NotifySocket), new SecretMasker(), statusInterval: TimeSpan.Zero);

        notifier.Status("building: Step 1/2 : FROM busybox");
        notifier.Status("building: Step 1/2 : FROM busybox");
        notifier.Status("building: Step 1/2 : FROM busybox");

        Assert.Equal("STATUS=building: Step 1/2 : FROM busybox", await systemd.ReceiveAsync(Wait));
        Assert.Null(await systemd.ReceiveAsync(Quiet));
    }

    [Fact]
    public async Task Status_WhenUpdatesComeFasterThanInterval_SendsFirstAndThenOnlyTheLatest()
    {
        var interval = TimeSpan.FromMilliseconds(300);
        using var systemd = NotifySocketListener.BindPath();
        using var notifier = new SystemdNotifier(Notify(systemd.NotifySocket), new SecretMasker(), statusInterval: interval);
        var clock = Stopwatch.StartNew();

        notifier.Status("building: Step 1/3 : FROM busybox");
        notifier.Status("building: Step 2/3 : RUN true");
        notifier.Status("building: Step 3/3 : COPY . /");

        Assert.Equal("STATUS=building: Step 1/3 : FROM busybox", await systemd.ReceiveAsync(Wait));
        Assert.Equal("STATUS=building: Step 3/3 : COPY . /", await systemd.ReceiveAsync(Wait));
        // Timer granularity: allow a little early firing, but it must have waited for the interval.
        Assert.InRange(clock.Elapsed, interval * 0.8, Wait);
        Assert.Null(await systemd.ReceiveAsync(Quiet));
    }

    [Fact]
    public async Task Stopping_WhenAStatusIsStillWaiting_SendsThatStatusFirst()
    {
        using var systemd = NotifySocketListener.BindPath();
        using var notifier = new SystemdNotifier(Notify(systemd.NotifySocket), new SecretMasker(), statusInterval: TimeSpan.FromMinutes(1));

        notifier.Status("building: Step 7/7 : CMD sh");
        notifier.Status("error: build cancelled: worker stopped");
        notifier.Stopping();

        Assert.Equal("STATUS=building: Step 7/7 : CMD sh", await systemd.ReceiveAsync(Wait));
        Assert.Equal("STATUS=error: build cancelled: worker stopped", await systemd.ReceiveAsync(Wait));
        Assert.Equal("STOPPING=1", await systemd.ReceiveAsync(Wait));
    }

    [Fact]
    public async Task Status_WhenTextHasNewlinesAndSecrets_SendsOneMaskedAssignment()
    {
        var masker = new SecretMasker();
        masker.Add("s3cr3t-push-token");
        using var systemd = NotifySocketListener.BindPath();
        using var notifier = new SystemdNotifier(Notify(systemd.NotifySocket), masker);

        notifier.Status("pushing with s3cr3t-push-token\nREADY=1");

        var message = await systemd.ReceiveAsync(Wait);
        Assert.Equal("STATUS=pushing with *** READY=1", message);
    }

    [Fact]
    public async Task Status_WhenTextIsVeryLong_IsCutToOneShortLine()
    {
        using var systemd = NotifySocketListener.BindPath();
        using var notifier = new SystemdNotifier(Notify(systemd.NotifySocket), new SecretMasker());

        notifier.Status("building: Step 2/2 : RUN " + new string('x', 5000));

        var message = await systemd.ReceiveAsync(Wait);
        Assert.NotNull(message);
        Assert.Equal("STATUS=".Length + SystemdNotifier.MaxStatusLength, message.Length);
        Assert.EndsWith("…", message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Watchdog_WhenWatchdogUsecSet_PingsAtHalfTheTimeout()
    {
        using var systemd = NotifySocketListener.BindPath();
        using var notifier = new SystemdNotifier(
            Notify(systemd.NotifySocket, watchdogUsec: "1000000", watchdogPid: Environment.ProcessId.ToString(CultureInfo.InvariantCulture)),
            new SecretMasker());

        var received = await systemd.CollectAsync(TimeSpan.FromMilliseconds(3250));

        Assert.Equal(TimeSpan.FromMilliseconds(500), notifier.WatchdogInterval);
        Assert.All(received, r => Assert.Equal("WATCHDOG=1", r.Message));
        // Six pings in 3.25 s at 500 ms. Tests share 2 cores with builds, so one late ping is
        // tolerated (median, not maximum), but pinging at the full timeout or not at all is not.
        Assert.InRange(received.Count, 4, 7);
        var gaps = received.Zip(received.Skip(1), (a, b) => (b.At - a.At).TotalMilliseconds).Order().ToList();
        Assert.InRange(gaps[gaps.Count / 2], 350, 750);
    }

    [Fact]
    public async Task Watchdog_WhenWatchdogPidIsAnotherProcess_DoesNotPing()
    {
        using var systemd = NotifySocketListener.BindPath();
        using var notifier = new SystemdNotifier(Notify(systemd.NotifySocket, watchdogUsec: "100000", watchdogPid: "1"), new SecretMasker());

        Assert.Null(notifier.WatchdogInterval);
        Assert.Null(await systemd.ReceiveAsync(Quiet));
    }

    [Fact]
    public async Task Dispose_WhenWatchdogRunning_StopsPinging()
    {
        using var systemd = NotifySocketListener.BindPath();
        var notifier = new SystemdNotifier(Notify(systemd.NotifySocket, watchdogUsec: "100000"), new SecretMasker());
        Assert.Equal("WATCHDOG=1", await systemd.ReceiveAsync(Wait));

        notifier.Dispose();
        while (await systemd.ReceiveAsync(TimeSpan.FromMilliseconds(100)) is not null)
        {
            // drain a ping that was already in flight
        }

        Assert.Null(await systemd.ReceiveAsync(Quiet));
        notifier.Stopping(); // after Dispose: silently nothing
    }

    [Theory]
    [InlineData(null, null, null)]
    [InlineData("", null, null)]
    [InlineData("0", null, null)]
    [InlineData("not-a-number", null, null)]
    [InlineData("30000000", null, 15_000.0)]
    [InlineData("30000000", "self", 15_000.0)]
    [InlineData("30000000", "1", null)]
    public void GetWatchdogInterval_ForEnvironment_IsHalfTheTimeoutOrNull(string? usec, string? pid, double? expectedMilliseconds)
    {
        var pidValue = pid == "self" ? Environment.ProcessId.ToString(CultureInfo.InvariantCulture) : pid;
        var environment = SystemdEnvironment.None with { WatchdogUsec = usec, WatchdogPid = pidValue };

        var interval = SystemdNotifier.GetWatchdogInterval(environment, Environment.ProcessId);

        Assert.Equal(expectedMilliseconds, interval?.TotalMilliseconds);
    }

    [Fact]
    public void Notifier_WhenNoNotifySocket_IsDisabledAndEveryCallIsHarmless()
    {
        using var notifier = new SystemdNotifier(SystemdEnvironment.None with { WatchdogUsec = "100000" }, new SecretMasker());

        notifier.Ready();
        notifier.Status("building");
        notifier.Stopping();

        Assert.False(notifier.IsEnabled);
        Assert.Null(notifier.WatchdogInterval);
    }

    [Fact]
    public void Ready_WhenSocketDoesNotExist_DoesNotThrowAndLogsAtDebug()
    {
        var writer = new StringWriter();
        using var factory = WorkerLogging.Create(true, null, new SecretMasker(), SystemdEnvironment.None, writer, TimeProvider.System);
        var missing = Path.Combine(Path.GetTempPath(), "qbn-missing-" + Guid.NewGuid().ToString("N")[..8]);
        using var notifier = new SystemdNotifier(Notify(missing), new SecretMasker(), factory.CreateLogger("test"));

        notifier.Ready();

        Assert.Contains("Could not send 'READY=1' to systemd's notify socket " + missing, writer.ToString(), StringComparison.Ordinal);
    }
}
