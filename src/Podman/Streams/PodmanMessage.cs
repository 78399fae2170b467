namespace QuayBuilder.Podman;

/// <summary>
/// One line of a streamed build, pull or push answer, in Docker's stream vocabulary:
/// <c>stream</c> for build output, <c>status</c>/<c>id</c>/progress for layer transfers,
/// <c>error</c> for a failure.
/// </summary>
public readonly record struct PodmanMessage(string? Stream, string? Status, string? Id, long? Current, long? Total, string? Error);
