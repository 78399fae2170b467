namespace QuayBuilder.Diagnostics;

/// <summary>The verdict of one diagnostic line. Only <see cref="Fail"/> counts towards the exit status.</summary>
internal enum CheckStatus
{
    Ok,

    /// <summary>Works now, but will not for long or not everywhere (a CA about to expire, little free space).</summary>
    Warn,

    /// <summary>A build would fail, or the worker could not start.</summary>
    Fail,

    /// <summary>Could not be checked; the reason is on the line (and its cause on another line).</summary>
    Skip,
}
