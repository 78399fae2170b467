namespace QuayBuilder.Build;

/// <summary>Whose fault a failure is and what the process does about it (Program maps it to an exit code).</summary>
internal enum FailureKind
{
    /// <summary>The worker's environment is wrong.</summary>
    Configuration,

    /// <summary>The manager could not be reached or refused the registration token.</summary>
    Registration,

    /// <summary>The manager no longer accepts this job: expired, cancelled, or heartbeats lost.</summary>
    JobGone,

    /// <summary>The build pack is bad: archive, Git commit, context, Dockerfile.</summary>
    Source,

    /// <summary>The build itself failed (a RUN step), or the runtime refused a pull or push.</summary>
    Build,

    /// <summary>Infrastructure failed: the container runtime, the registry, the disk.</summary>
    Infrastructure,

    /// <summary>The worker was told to stop (SIGTERM/SIGINT).</summary>
    Cancelled,
}
