using QuayBuilder.Protocol;

namespace QuayBuilder.Tests.Fakes;

/// <summary>A SetPhase call the fake manager accepted and applied.</summary>
public sealed record RecordedPhase(Phase Phase, int Sequence, SetPhaseRequest.Types.PullMetadata? PullMetadata);
