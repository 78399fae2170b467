using Grpc.Core;
using QuayBuilder.Podman;
using QuayBuilder.Protocol;

namespace QuayBuilder.Tests.Faults;

/// <summary>
/// Fault matrix, SetPhase × every status × every phase. A phase the manager fails means the job
/// is gone (exit 4, no final phase; the error line still goes out on the log stream); a failed
/// ERROR leaves the build's own exit status (1). Every case cleans up and never crashes.
/// </summary>
public sealed class SetPhaseFaultTests
{
    public static TheoryData<StatusCode, Phase> Cases()
    {
        var data = new TheoryData<StatusCode, Phase>();
        foreach (var code in FaultCodes.All)
        {
            foreach (var phase in new[] { Phase.Unpacking, Phase.Pulling, Phase.Building, Phase.Pushing, Phase.Complete, Phase.Error })
            {
                data.Add(code, phase);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Worker_WhenSetPhaseAnswersAStatus_FollowsTheDocumentedOutcome(StatusCode code, Phase phase)
    {
        await using var worker = await WorkerHarness.StartAsync();
        if (phase == Phase.Error)
        {
            worker.Runtime.BuildFailure = new PodmanException("building at STEP \"RUN echo hello\": exit status 1");
        }

        var fault = worker.Manager.InjectFault("SetPhase", code, phase);

        var exit = await worker.RunAsync();

        Assert.True(fault.Hits >= 1);
        Assert.Equal(phase == Phase.Error ? 1 : 4, exit);
        Assert.DoesNotContain(phase, worker.Phases);
        Assert.DoesNotContain(Phase.Complete, worker.Phases);
        Assert.DoesNotContain(Phase.Error, worker.Phases);
        if (phase is not (Phase.Complete or Phase.Error))
        {
            var error = Assert.Single(worker.Errors).Text;
            Assert.Contains("SetPhase", error, StringComparison.Ordinal);
            Assert.Contains(code.ToString(), error, StringComparison.Ordinal);
        }
        else if (phase == Phase.Complete)
        {
            Assert.Empty(worker.Errors);
            Assert.Contains(Fakes.FakeContainerRuntime.ImageId, worker.Runtime.Removed);
        }

        Assert.True(worker.WorkRootEmpty);
        Assert.Empty(worker.Manager.Violations);
    }
}
