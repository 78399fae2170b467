namespace QuayBuilder.Build;

/// <summary>
/// Stops a running job from outside: the manager gave it up (heartbeats, a refused phase) or
/// the worker was told to stop. The first reason wins; the token cancels whatever the job is
/// doing at that moment (a download, git, a Podman request).
/// </summary>
internal sealed class JobAbort : IDisposable
{
    private readonly CancellationTokenSource _source = new();
    private BuildFailure? _reason;

    public CancellationToken Token => _source.Token;

    /// <summary>Why the job was stopped; null while it runs.</summary>
    public BuildFailure? Reason => Volatile.Read(ref _reason);

    public void Abort(FailureKind kind, string message)
    {
        if (Interlocked.CompareExchange(ref _reason, new BuildFailure(kind, message), null) is null)
        {
            _source.Cancel();
        }
    }

    public void Dispose() => _source.Dispose();
}
