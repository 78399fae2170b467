namespace QuayBuilder.BuildContext;

/// <summary>Which bound, if any, ended a git process.</summary>
internal enum GitTimeout
{
    None,

    /// <summary>No output on stdout or stderr for <see cref="GitOptions.IdleTimeout"/>.</summary>
    Idle,

    /// <summary>The whole fetch ran past <see cref="GitOptions.TotalTimeout"/>.</summary>
    Total,
}
