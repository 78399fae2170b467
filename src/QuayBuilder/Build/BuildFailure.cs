namespace QuayBuilder.Build;

/// <summary>
/// The one failure type of the worker. <see cref="Exception.Message"/> is what the user sees in
/// the build log (and the operator in the journal): it names what went wrong and what to do.
/// The cause is kept as the inner exception for the worker's own debug log.
/// </summary>
internal sealed class BuildFailure : Exception
{
    public BuildFailure(FailureKind kind, string message, Exception? innerException = null)
        : base(message, innerException)
    {
        Kind = kind;
    }

    public FailureKind Kind { get; }
}
