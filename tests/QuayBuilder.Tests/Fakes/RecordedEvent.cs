using QuayBuilder.Protocol;

namespace QuayBuilder.Tests.Fakes;

/// <summary>
/// One entry of the build log as Quay's manager files it: phase markers and lines in one list,
/// in the order they arrived. Exactly one of <see cref="Phase"/> and <see cref="Line"/> is set.
/// </summary>
public sealed record RecordedEvent(Phase? Phase, RecordedLogLine? Line)
{
    public override string ToString() => Phase is { } phase ? $"[phase {phase}]" : Line!.Text.TrimEnd('\n');
}
