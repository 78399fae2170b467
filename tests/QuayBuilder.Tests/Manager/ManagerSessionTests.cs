using Grpc.Core;
using Microsoft.Extensions.Logging.Abstractions;
using QuayBuilder.Build;
using QuayBuilder.Manager;
using QuayBuilder.Protocol;

namespace QuayBuilder.Tests.Manager;

public sealed class ManagerSessionTests
{
    /// <summary>How long the manager stays down: the fault itself, not a wait for anything.</summary>
    private static readonly TimeSpan Outage = TimeSpan.FromSeconds(1);

    [Fact]
    public async Task Register_WhenTokenIsValid_ReturnsTheBuildPackAndMasksItsSecrets()
    {
        await using var context = await ManagerTestContext.StartAsync(register: false);
        await context.Session.PingAsync(CancellationToken.None);
        var spec = await context.Session.RegisterAsync(context.Manager.RegistrationToken, CancellationToken.None);

        Assert.Equal("acme/web", spec.Repository);
        Assert.Equal("127.0.0.1:5000/acme/web", spec.ImageRepository);
        Assert.Equal(["latest"], spec.Tags);
        Assert.Equal(context.Manager.JobToken, context.Session.JobToken);
        var masked = context.Masker.Apply($"{spec.PushToken} {spec.PullToken} {context.Manager.JobToken}");
        Assert.Equal("*** *** ***", masked);
        Assert.DoesNotContain(spec.PushToken, spec.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Register_WhenTheTokensSignatureDoesNotVerify_SaysToCheckTokenAndTheKeyNotTheTimeout()
    {
        await using var context = await ManagerTestContext.StartAsync(register: false);
        const string token = "tampered-registration-token-XYZ987";
        var failure = await Assert.ThrowsAsync<BuildFailure>(() => context.Session.RegisterAsync(token, CancellationToken.None));

        Assert.Equal(FailureKind.Registration, failure.Kind);
        Assert.Contains("signature does not verify", failure.Message, StringComparison.Ordinal);
        Assert.Contains("check TOKEN", failure.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("JOB_REGISTRATION_TIMEOUT", failure.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(token, failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Register_WhenTheTokenExpired_HintsAtTheRegistrationTimeout()
    {
        await using var context = await ManagerTestContext.StartAsync(register: false);
        context.Manager.RegistrationFailure = new Status(StatusCode.Unauthenticated, "Invalid build token: Signature has expired");
        var failure = await Assert.ThrowsAsync<BuildFailure>(() => context.Session.RegisterAsync(context.Manager.RegistrationToken, CancellationToken.None));

        Assert.Equal(FailureKind.Registration, failure.Kind);
        Assert.Contains("because it expired", failure.Message, StringComparison.Ordinal);
        Assert.Contains("JOB_REGISTRATION_TIMEOUT", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Register_WhenManagerCannotStartTheJob_SaysTheJobIsAlreadyGone()
    {
        await using var context = await ManagerTestContext.StartAsync(register: false);
        context.Manager.RegistrationFailure = new Status(StatusCode.Internal, "Build manager unable to start job");
        var failure = await Assert.ThrowsAsync<BuildFailure>(() => context.Session.RegisterAsync(context.Manager.RegistrationToken, CancellationToken.None));
        Assert.Equal(FailureKind.Registration, failure.Kind);
        Assert.Contains("Build manager unable to start job", failure.Message, StringComparison.Ordinal);
        Assert.Contains("already expired, been cancelled", failure.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("SetPhase")]
    [InlineData("DetermineCachedTag")]
    public async Task UnaryJobCall_WhenTheManagerRaises_BecomesJobGoneNeverAnRpcException(string method)
    {
        await using var context = await ManagerTestContext.StartAsync();
        context.Manager.InjectFault(method, StatusCode.Unknown, detail: "Exception calling application: boom");

        var failure = await Assert.ThrowsAsync<BuildFailure>(() => method == "SetPhase"
            ? context.Session.SetPhaseAsync(BuildPhase.Building, null, CancellationToken.None)
            : context.Session.DetermineCachedTagAsync("busybox", "latest", "x", CancellationToken.None));
        Assert.Equal(FailureKind.JobGone, failure.Kind);
        Assert.Contains($"failed the {method} call (Unknown: Exception calling application: boom)", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SetPhase_WhenCancelledByTheWorker_IsAnOperationCanceledExceptionNotAManagerFailure()
    {
        await using var context = await ManagerTestContext.StartAsync();
        // The manager holds the call until the worker has cancelled it.
        using var cancel = new CancellationTokenSource();
        using var release = new ManualResetEventSlim();
        context.Manager.OnPhase = _ =>
        {
            cancel.Cancel();
            release.Wait(TimeSpan.FromSeconds(30));
        };

        try
        {
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => context.Session.SetPhaseAsync(BuildPhase.Building, null, cancel.Token));
        }
        finally
        {
            release.Set();
        }
    }

    [Fact]
    public async Task SetPhase_WhenManagerIsUnavailableTwice_RetriesAndSucceeds()
    {
        await using var context = await ManagerTestContext.StartAsync();
        context.Manager.SetPhaseUnavailable = 2;

        Assert.True(await context.Session.SetPhaseAsync(BuildPhase.Unpacking, null, CancellationToken.None));
        Assert.Equal([Phase.Unpacking], context.Manager.PhaseSequence);
    }

    [Fact]
    public async Task Ping_WhenManagerStaysUnavailable_GivesUpWithinTheRetryWindowAndSaysForHowLong()
    {
        await using var context = await ManagerTestContext.StartAsync(register: false, retryFor: TimeSpan.FromSeconds(1));
        context.Manager.InjectFault("Ping", StatusCode.Unavailable, detail: "manager restarting");
        var clock = System.Diagnostics.Stopwatch.StartNew();

        var failure = await Assert.ThrowsAsync<BuildFailure>(() => context.Session.PingAsync(CancellationToken.None));

        // Tries at 0, 0.25 and 0.75 s on Backoff.ManagerCall; the next would start past the window.
        Assert.Equal(FailureKind.Registration, failure.Kind);
        Assert.Contains("did not answer Ping for 1 s (Unavailable: manager restarting)", failure.Message, StringComparison.Ordinal);
        Assert.Equal(3, context.Manager.Pings);
        Assert.InRange(clock.Elapsed, TimeSpan.FromMilliseconds(700), TimeSpan.FromSeconds(1.5));
    }

    [Fact]
    public async Task SetPhase_AfterAFinalPhase_IsRefusedAndTheReporterSaysTheJobIsGone()
    {
        await using var context = await ManagerTestContext.StartAsync();
        await using var log = context.OpenLog();
        var reporter = new ManagerReporter(context.Session, log, context.Masker);
        await reporter.SetPhaseAsync(BuildPhase.Error, null, CancellationToken.None);

        var failure = await Assert.ThrowsAsync<BuildFailure>(() => reporter.SetPhaseAsync(BuildPhase.Building, null, CancellationToken.None));
        Assert.Equal(FailureKind.JobGone, failure.Kind);
    }

    [Fact]
    public async Task SetPhase_SendsIncreasingSequenceNumbersAndPullMetadata()
    {
        await using var context = await ManagerTestContext.StartAsync();
        await context.Session.SetPhaseAsync(BuildPhase.Unpacking, null, CancellationToken.None);
        await context.Session.SetPhaseAsync(BuildPhase.Pulling, new PullMetadata("127.0.0.1:5000", "library/busybox", "latest", "robot"), CancellationToken.None);

        var phases = context.Manager.Phases;
        Assert.True(phases[1].Sequence > phases[0].Sequence);
        Assert.Equal("library/busybox", phases[1].PullMetadata!.BaseImage);
        Assert.Equal("robot", phases[1].PullMetadata!.PullUsername);
    }

    [Fact]
    public async Task Heartbeat_WhenManagerRejectsThreeTimes_DeclaresTheJobGone()
    {
        await using var context = await ManagerTestContext.StartAsync();
        context.Manager.HeartbeatReply = () => false;
        await using var heartbeat = new HeartbeatLoop(context.Client, context.Session.JobToken, TimeSpan.FromMilliseconds(100), TimeSpan.FromSeconds(60), NullLogger.Instance);
        heartbeat.Start();

        await Task.Delay(Timeout.Infinite, heartbeat.JobGone).ContinueWith(_ => { }, TaskScheduler.Default).WaitAsync(TimeSpan.FromSeconds(15));
        Assert.True(heartbeat.JobGone.IsCancellationRequested);
        Assert.Contains("three heartbeats", heartbeat.GoneReason, StringComparison.Ordinal);
        Assert.True(context.Manager.Heartbeats >= 3);
    }

    [Fact]
    public async Task Heartbeat_WhenManagerIsUnreachableLongerThanTheWindow_DeclaresTheJobGone()
    {
        await using var context = await ManagerTestContext.StartAsync();
        await using var heartbeat = new HeartbeatLoop(context.Client, context.Session.JobToken, TimeSpan.FromMilliseconds(200), TimeSpan.FromSeconds(2), NullLogger.Instance);
        heartbeat.Start();
        await context.Manager.WaitForHeartbeatsAsync(1, TimeSpan.FromSeconds(15));
        Assert.False(heartbeat.JobGone.IsCancellationRequested);

        await context.Server.StopAsync();
        await Task.Delay(Timeout.Infinite, heartbeat.JobGone).ContinueWith(_ => { }, TaskScheduler.Default).WaitAsync(TimeSpan.FromSeconds(15));
        Assert.Contains("no heartbeat reached", heartbeat.GoneReason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Session_WhenManagerRestartsMidBuild_ResumesPhasesLogsAndHeartbeats()
    {
        await using var context = await ManagerTestContext.StartAsync();
        await using var heartbeat = new HeartbeatLoop(context.Client, context.Session.JobToken, TimeSpan.FromMilliseconds(200), TimeSpan.FromSeconds(30), NullLogger.Instance);
        heartbeat.Start();
        await using var log = context.OpenLog(window: 4);
        await context.Session.SetPhaseAsync(BuildPhase.Building, null, CancellationToken.None);
        for (int i = 0; i < 20; i++)
        {
            log.Enqueue(BuildLogMessage.Stream($"before {i}"), "building");
        }

        await log.FlushAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(10));
        await context.Server.StopAsync();
        for (int i = 0; i < 20; i++)
        {
            log.Enqueue(BuildLogMessage.Stream($"during {i}"), "building");
        }

        await Task.Delay(Outage);
        await context.Server.RestartAsync();
        int beatsAfterRestart = context.Manager.Heartbeats;
        await log.FlushAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(20));
        Assert.True(await context.Session.SetPhaseAsync(BuildPhase.Pushing, null, CancellationToken.None));
        await context.Manager.WaitForHeartbeatsAsync(beatsAfterRestart, TimeSpan.FromSeconds(15));

        var texts = context.Manager.LogLines.Select(l => l.Text.TrimEnd('\n')).Distinct().ToList();
        Assert.Equal(Enumerable.Range(0, 20).Select(i => $"before {i}").Concat(Enumerable.Range(0, 20).Select(i => $"during {i}")), texts);
        Assert.Equal([Phase.Building, Phase.Pushing], context.Manager.PhaseSequence);
        Assert.True(context.Manager.Heartbeats > beatsAfterRestart, "heartbeats resumed after the restart");
        Assert.False(heartbeat.JobGone.IsCancellationRequested);
        Assert.Empty(context.Manager.Violations);
    }
}
