using QuayBuilder.BuildContext;

namespace QuayBuilder.Build;

/// <summary>
/// What UNPACKING hands the later phases: the resolved context, the Dockerfile (parsed, and its
/// text for the provenance rules), and what the source says about itself (its time, URL, commit).
/// </summary>
internal sealed record UnpackedSource(ResolvedContext Context, Dockerfile Dockerfile, string DockerfileText, SourceFacts Facts);
