namespace QuayBuilder.BuildContext;

/// <summary>
/// Where a build's context and Dockerfile are. <see cref="ContextDirectory"/> and
/// <see cref="DockerfilePath"/> are absolute and fully symlink-resolved, and lie inside
/// <see cref="SourceRoot"/>; the Dockerfile also lies inside the context, so
/// <see cref="DockerfileInContext"/> (relative to the context, forward slashes, no <c>..</c>,
/// no symlink on the way) is where it appears in the context tar and what the runtime's
/// <c>dockerfile</c> build parameter receives.
/// </summary>
public sealed record ResolvedContext(string SourceRoot, string ContextDirectory, string DockerfilePath, string DockerfileInContext);
