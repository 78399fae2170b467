using QuayBuilder.Build;
using QuayBuilder.Cli;
using QuayBuilder.Configuration;

namespace QuayBuilder.Tests.Cli;

public sealed class WorkerCommandTests
{
    private static BuildSettings Settings(ContainerRuntimeKind runtime, bool timestamp = true, bool labels = true) => new()
    {
        Runtime = runtime,
        ReproducibleTimestamp = timestamp,
        ProvenanceLabels = labels,
    };

    [Fact]
    public void JobOptions_WhenPodman_PassesBothSwitchesOn() =>
        Assert.Equal(new ProvenanceOptions(true, true), WorkerCommand.JobOptions(Settings(ContainerRuntimeKind.Podman)).Provenance);

    [Fact]
    public void JobOptions_WhenTheOperatorTurnsThemOff_PassesThemOff() =>
        Assert.Equal(new ProvenanceOptions(false, false), WorkerCommand.JobOptions(Settings(ContainerRuntimeKind.Podman, false, false)).Provenance);

    // The Docker Engine API has no build timestamp: the build log must not claim one.
    [Fact]
    public void JobOptions_WhenDocker_TurnsTheTimestampOffButKeepsTheLabels() =>
        Assert.Equal(new ProvenanceOptions(false, true), WorkerCommand.JobOptions(Settings(ContainerRuntimeKind.Docker)).Provenance);
}
