using QuayBuilder.BuildContext;

namespace QuayBuilder.Build;

/// <summary>What UNPACKING hands the later phases: the resolved context and the parsed Dockerfile.</summary>
internal sealed record UnpackedSource(ResolvedContext Context, Dockerfile Dockerfile);
