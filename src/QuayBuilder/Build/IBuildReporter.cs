namespace QuayBuilder.Build;

/// <summary>
/// Where a build reports to: the build manager in worker mode, the terminal in local mode.
/// The job does not know which; both get the same phases and the same log lines.
/// </summary>
internal interface IBuildReporter
{
    /// <summary>
    /// Moves the job to <paramref name="phase"/>. Throws only <see cref="BuildFailure"/> (kind
    /// <see cref="FailureKind.JobGone"/> when the manager no longer accepts the job or failed the
    /// call) or <see cref="OperationCanceledException"/> when <paramref name="cancellationToken"/> fired.
    /// </summary>
    Task SetPhaseAsync(BuildPhase phase, PullMetadata? pullMetadata, CancellationToken cancellationToken);

    /// <summary>Queues one log line. Never blocks on the network, never drops, keeps order.</summary>
    void Write(BuildLogMessage message);

    /// <summary>
    /// The tag of the repository most similar for cache priming, or null for none. Throws only
    /// <see cref="BuildFailure"/> or <see cref="OperationCanceledException"/>.
    /// </summary>
    Task<string?> DetermineCachedTagAsync(string baseImageName, string baseImageTag, string baseImageId, CancellationToken cancellationToken);

    /// <summary>
    /// Waits until every queued line was delivered; returns false when the reporter's own bound ran
    /// out first (the lines stay queued), and throws when <paramref name="cancellationToken"/> fires.
    /// </summary>
    Task<bool> FlushAsync(CancellationToken cancellationToken);
}
