namespace QuayBuilder.Podman.Tests;

/// <summary>
/// The text of a build's stream messages joined: Podman sends output in chunks as it arrives,
/// so one message may hold several lines (or part of one), depending on timing.
/// </summary>
internal static class BuildOutput
{
    internal static string Text(IEnumerable<PodmanMessage> messages) => "\n" + string.Concat(messages.Select(m => m.Stream));
}
