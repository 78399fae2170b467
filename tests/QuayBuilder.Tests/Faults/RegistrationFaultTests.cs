using Grpc.Core;

namespace QuayBuilder.Tests.Faults;

/// <summary>Fault matrix, before there is a job: Ping and RegisterBuildJob × every status → exit 3, nothing built.</summary>
public sealed class RegistrationFaultTests
{
    public static TheoryData<string, StatusCode> Cases()
    {
        var data = new TheoryData<string, StatusCode>();
        foreach (var method in new[] { "Ping", "RegisterBuildJob" })
        {
            foreach (var code in FaultCodes.All)
            {
                data.Add(method, code);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Worker_WhenARegistrationCallAnswersAStatus_ExitsThreeWithoutBuilding(string method, StatusCode code)
    {
        await using var worker = await WorkerHarness.StartAsync();
        var fault = worker.Manager.InjectFault(method, code);

        var exit = await worker.RunAsync();

        Assert.Equal(3, exit);
        Assert.True(fault.Hits >= 1);
        Assert.Empty(worker.Phases);
        Assert.Empty(worker.Runtime.Journal);
    }
}
