using QuayBuilder.Build;

namespace QuayBuilder.Cli;

/// <summary>The process's exit status (documented in the README); the values live in <see cref="FailureOutcome"/>.</summary>
internal static class ExitCodes
{
    public const int Success = FailureOutcome.SuccessExitCode;
    public const int BuildFailed = FailureOutcome.BuildFailedExitCode;
    public const int Configuration = FailureOutcome.ConfigurationExitCode;
    public const int Registration = FailureOutcome.RegistrationExitCode;
    public const int JobGone = FailureOutcome.JobGoneExitCode;
    public const int Infrastructure = FailureOutcome.InfrastructureExitCode;
    public const int Cancelled = FailureOutcome.CancelledExitCode;
    public const int Internal = FailureOutcome.InternalExitCode;

    public static int For(FailureKind kind) => FailureOutcome.For(kind).ExitCode;
}
