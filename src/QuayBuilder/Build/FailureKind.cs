namespace QuayBuilder.Build;

/// <summary>
/// Whose fault a failure is, which decides what the worker tells the manager and how it exits:
/// see <see cref="FailureOutcome"/> and docs/adr/0007-final-phase.md.
/// </summary>
internal enum FailureKind
{
    /// <summary>The worker's environment is wrong.</summary>
    Configuration,

    /// <summary>The manager could not be reached or refused the registration token.</summary>
    Registration,

    /// <summary>
    /// The manager no longer accepts this job: it refused a phase (cancelled or expired), its
    /// heartbeats were lost, it refused the job token, or it failed a call about the job.
    /// </summary>
    JobGone,

    /// <summary>The build pack is bad: archive, Git commit, context, Dockerfile.</summary>
    Source,

    /// <summary>
    /// The build itself failed and would fail again on any builder: a RUN step, a base image
    /// that cannot be pulled, a push the registry refuses or a registry that cannot be reached.
    /// </summary>
    Build,

    /// <summary>
    /// This machine failed, not the build: the container runtime is unreachable or died, the
    /// disk is full, the work directory is unusable. Another builder would succeed.
    /// </summary>
    Infrastructure,

    /// <summary>The worker was told to stop (SIGTERM/SIGINT).</summary>
    Cancelled,

    /// <summary>A defect of the worker itself: an exception nothing expected.</summary>
    Internal,
}
