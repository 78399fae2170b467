using QuayBuilder.Build;

namespace QuayBuilder.Cli;

/// <summary>The process's exit status for each kind of failure (documented in the README).</summary>
internal static class ExitCodes
{
    public const int Success = 0;
    public const int BuildFailed = 1;
    public const int Configuration = 2;
    public const int Registration = 3;
    public const int JobGone = 4;
    public const int Infrastructure = 5;
    public const int Cancelled = 6;

    public static int For(FailureKind kind) => kind switch
    {
        FailureKind.Configuration => Configuration,
        FailureKind.Registration => Registration,
        FailureKind.JobGone => JobGone,
        FailureKind.Infrastructure => Infrastructure,
        FailureKind.Cancelled => Cancelled,
        _ => BuildFailed,
    };
}
