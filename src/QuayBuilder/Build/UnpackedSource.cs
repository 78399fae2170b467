using QuayBuilder.BuildContext;

namespace QuayBuilder.Build;

/// <summary>
/// What UNPACKING hands the later phases: the resolved context, the parsed Dockerfile (parsed once:
/// the pull, the step headers and the provenance rules read it), and what the source says about itself.
/// </summary>
internal sealed record UnpackedSource(ResolvedContext Context, Dockerfile Dockerfile, SourceFacts Facts);
