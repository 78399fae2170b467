namespace QuayBuilder.Build;

/// <summary>
/// What ends the job for each <see cref="FailureKind"/>: the final phase the worker sends (none
/// when Quay must requeue the build or the job is gone) and the process's exit status. The one
/// table of docs/adr/0007-final-phase.md and the README; nothing else decides either.
/// </summary>
/// <remarks>
/// Quay's wire enum stops at ERROR: there is no INTERNAL_ERROR a worker could send. ERROR is
/// final (the queue item is done). A job left without a final phase expires when its heartbeats
/// stop and Quay requeues it (EXPIRED): the only retry a worker can obtain, so it is used for
/// failures another builder would not hit.
/// </remarks>
internal readonly record struct FailureOutcome(BuildPhase? FinalPhase, int ExitCode)
{
    public const int SuccessExitCode = 0;
    public const int BuildFailedExitCode = 1;
    public const int ConfigurationExitCode = 2;
    public const int RegistrationExitCode = 3;
    public const int JobGoneExitCode = 4;
    public const int InfrastructureExitCode = 5;
    public const int CancelledExitCode = 6;
    public const int InternalExitCode = 7;

    public static FailureOutcome For(FailureKind kind) => kind switch
    {
        FailureKind.Configuration => new(null, ConfigurationExitCode),
        FailureKind.Registration => new(null, RegistrationExitCode),
        FailureKind.JobGone => new(null, JobGoneExitCode),
        FailureKind.Source => new(BuildPhase.Error, BuildFailedExitCode),
        FailureKind.Build => new(BuildPhase.Error, BuildFailedExitCode),
        FailureKind.Infrastructure => new(null, InfrastructureExitCode),
        FailureKind.Cancelled => new(null, CancelledExitCode),
        _ => new(BuildPhase.Error, InternalExitCode),
    };

    /// <summary>Whether Quay will run the build again: the job is left to expire without a final phase.</summary>
    public static bool IsRequeued(FailureKind kind) => kind is FailureKind.Infrastructure or FailureKind.Cancelled;
}
