using Grpc.Core;
using QuayBuilder.Build;
using QuayBuilder.Protocol;

namespace QuayBuilder.Tests.Manager;

/// <summary>The fake manager answers as Quay's own servicer does (protocol.md, last sections).</summary>
public sealed class FakeManagerContractTests
{
    [Fact]
    public async Task SetPhase_WithAPhaseOutsideTheEnum_FailsWithUnknownAsTheServicersLookupRaises()
    {
        await using var context = await ManagerTestContext.StartAsync();

        var e = await Assert.ThrowsAsync<RpcException>(async () => await context.Client.SetPhaseAsync(
            new SetPhaseRequest { JobJwt = context.Session.JobToken, SequenceNumber = 1, Phase = (Phase)7 }));

        Assert.Equal(StatusCode.Unknown, e.StatusCode);
        Assert.Empty(context.Manager.Phases);
    }

    [Fact]
    public async Task Events_FileLinesAndPhaseMarkersInOneListInArrivalOrder()
    {
        await using var context = await ManagerTestContext.StartAsync();
        await using var log = context.OpenLog();
        await context.Session.SetPhaseAsync(BuildPhase.Unpacking, null, CancellationToken.None);
        log.Enqueue(BuildLogMessage.Stream("unpacked"), "unpacking");
        await log.FlushAsync(CancellationToken.None);
        await context.Session.SetPhaseAsync(BuildPhase.Pulling, null, CancellationToken.None);

        Assert.Equal(["[phase Unpacking]", "unpacked", "[phase Pulling]"], context.Manager.Events.Select(e => e.ToString()));
    }

    [Fact]
    public async Task FinalSetPhase_StopsTheExecutorBeforeItAnswers()
    {
        await using var context = await ManagerTestContext.StartAsync();
        var stopped = new List<Phase>();
        context.Manager.StopExecutor = phase =>
        {
            stopped.Add(phase);
            return Task.CompletedTask;
        };

        await context.Session.SetPhaseAsync(BuildPhase.Building, null, CancellationToken.None);
        Assert.Empty(stopped);
        await context.Session.SetPhaseAsync(BuildPhase.Complete, null, CancellationToken.None);

        Assert.Equal([Phase.Complete], stopped);
    }
}
