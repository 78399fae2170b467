namespace QuayBuilder.BuildContext;

/// <summary>
/// One logical Dockerfile line after continuations are joined and comments and heredoc bodies
/// removed: the instruction keyword in lowercase, its raw arguments, and the physical line it starts on.
/// </summary>
internal readonly record struct DockerfileInstruction(int Line, string Keyword, string Arguments);
