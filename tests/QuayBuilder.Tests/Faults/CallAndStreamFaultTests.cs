using Grpc.Core;
using QuayBuilder.Build;
using QuayBuilder.Protocol;

namespace QuayBuilder.Tests.Faults;

/// <summary>
/// Fault matrix, DetermineCachedTag and the two streams × every status, and stops (SIGTERM)
/// that land inside a call. Outcomes as in docs/adr/0007-final-phase.md.
/// </summary>
public sealed class CallAndStreamFaultTests
{
    [Theory]
    [MemberData(nameof(FaultCodes.Codes), MemberType = typeof(FaultCodes))]
    public async Task Worker_WhenDetermineCachedTagAnswersAStatus_WarnsAndCompletes(StatusCode code)
    {
        await using var worker = await WorkerHarness.StartAsync();
        var fault = worker.Manager.InjectFault("DetermineCachedTag", code);

        var exit = await worker.RunAsync();

        Assert.Equal(0, exit);
        Assert.True(fault.Hits >= 1);
        Assert.Equal(Phase.Complete, worker.Phases[^1]);
        Assert.Contains(worker.Manager.LogLines, l => l.Text.StartsWith("Warning: Could not ask the build manager for a cache tag", StringComparison.Ordinal));
        Assert.Empty(worker.Errors);
    }

    [Theory]
    [MemberData(nameof(FaultCodes.Codes), MemberType = typeof(FaultCodes))]
    public async Task Worker_WhenTheHeartbeatStreamEndsWithAStatus_ReconnectsOrGivesTheJobUpOnlyForARefusedToken(StatusCode code)
    {
        await using var worker = await WorkerHarness.StartAsync();
        worker.Environment["HEARTBEAT_INTERVAL"] = "0.2";
        worker.Runtime.DuringBuild = ct => Task.Delay(TimeSpan.FromSeconds(1.5), ct);
        var fault = worker.Manager.InjectFault("Heartbeat", code);

        var exit = await worker.RunAsync();

        Assert.True(fault.Hits >= 1);
        if (code == StatusCode.Unauthenticated)
        {
            Assert.Equal(4, exit);
            Assert.DoesNotContain(Phase.Complete, worker.Phases);
            Assert.DoesNotContain(Phase.Error, worker.Phases);
            Assert.Contains("no longer accepts this job's token", Assert.Single(worker.Errors).Text, StringComparison.Ordinal);
        }
        else
        {
            Assert.Equal(0, exit);
            Assert.Equal(Phase.Complete, worker.Phases[^1]);
        }

        Assert.True(worker.WorkRootEmpty);
    }

    [Theory]
    [MemberData(nameof(FaultCodes.Codes), MemberType = typeof(FaultCodes))]
    public async Task Worker_WhenTheLogStreamEndsWithAStatus_ResendsEveryLineOrGivesTheJobUpOnlyForARefusedToken(StatusCode code)
    {
        await using var worker = await WorkerHarness.StartAsync();
        worker.Runtime.DuringBuild = ct => Task.Delay(TimeSpan.FromSeconds(1), ct);
        var fault = worker.Manager.InjectFault("LogMessage", code, Phase.Building, times: 1);

        var exit = await worker.RunAsync();

        Assert.Equal(1, fault.Hits);
        if (code == StatusCode.Unauthenticated)
        {
            Assert.Equal(4, exit);
            Assert.DoesNotContain(Phase.Complete, worker.Phases);
            Assert.DoesNotContain(Phase.Error, worker.Phases);
        }
        else
        {
            Assert.Equal(0, exit);
            Assert.Equal(Phase.Complete, worker.Phases[^1]);
            Assert.Contains(worker.Manager.LogLines, l => l.Text == "hello\n");
            Assert.Contains(worker.Manager.LogLines, l => l.Text.StartsWith("Image ID: ", StringComparison.Ordinal));
        }

        Assert.True(worker.WorkRootEmpty);
        Assert.Empty(worker.Manager.Violations);
    }

    [Fact]
    public async Task Worker_WhenStoppedWhileSetPhaseCompleteIsInFlight_FinishesTheCallAndExitsZero()
    {
        await using var worker = await WorkerHarness.StartAsync();
        worker.Manager.StopExecutor = async _ =>
        {
            worker.Abort.Abort(FailureKind.Cancelled, "build stopped: the worker received SIGTERM.");
            await Task.Delay(300);
        };

        var exit = await worker.RunAsync();

        Assert.Equal(0, exit);
        Assert.Equal(Phase.Complete, worker.Phases[^1]);
        Assert.Empty(worker.Errors);
    }

    [Fact]
    public async Task Worker_WhenStoppedWhileANonFinalSetPhaseIsInFlight_ReportsTheStopAndLeavesTheJobToBeRequeued()
    {
        await using var worker = await WorkerHarness.StartAsync();
        worker.Manager.OnPhase = phase =>
        {
            if (phase == Phase.Building)
            {
                worker.Abort.Abort(FailureKind.Cancelled, "build stopped: the worker received SIGTERM.");
                Thread.Sleep(300);
            }
        };

        var exit = await worker.RunAsync();

        Assert.Equal(6, exit);
        Assert.Equal(Phase.Building, worker.Phases[^1]);
        Assert.StartsWith("build stopped: the worker received SIGTERM.", Assert.Single(worker.Errors).Text, StringComparison.Ordinal);
        Assert.True(worker.WorkRootEmpty);
    }

    [Fact]
    public async Task Worker_EveryLineArrivesBeforeTheSetPhaseThatEndsItsPhase_OverManyBuilds()
    {
        for (int build = 0; build < 8; build++)
        {
            await using var worker = await WorkerHarness.StartAsync();
            worker.Manager.LogLatency = TimeSpan.FromMilliseconds(20);
            worker.Runtime.BuildOutput = [.. Enumerable.Range(0, 50).Select(i => $"output {i}"), "--> 0123456789ab"];

            Assert.Equal(0, await worker.RunAsync());

            AssertEveryLineBeforeItsPhaseEnds(worker.Manager.Events);
        }
    }

    /// <summary>Each line's phase field names the phase it was written in: no marker of a later phase may precede it.</summary>
    internal static void AssertEveryLineBeforeItsPhaseEnds(IReadOnlyList<Fakes.RecordedEvent> events)
    {
        Phase? current = null;
        foreach (var e in events)
        {
            if (e.Phase is { } phase)
            {
                current = phase;
            }
            else if (e.Line is { } line && current is { } shown)
            {
                Assert.True(string.Equals(line.Phase, shown.ToString(), StringComparison.OrdinalIgnoreCase),
                    $"line '{line.Text.TrimEnd()}' of phase {line.Phase} was filed under {shown}:\n{string.Join("\n", events)}");
            }
        }
    }
}
