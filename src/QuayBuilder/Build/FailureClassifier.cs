using QuayBuilder.BuildContext;
using QuayBuilder.Podman;

namespace QuayBuilder.Build;

/// <summary>
/// The one place that decides what kind of failure ended a job (and with it, through
/// <see cref="FailureOutcome"/>, the final phase and the exit status). Manager calls reach it
/// already classified (<c>ManagerSession</c> turns every RpcException into a BuildFailure).
/// </summary>
internal static class FailureClassifier
{
    /// <param name="e">What the job threw.</param>
    /// <param name="abortReason">Why the job was stopped from outside, if it was: that reason wins, whatever the stop made the job throw.</param>
    /// <param name="runtimeAnswers">Whether the container runtime still answered a ping after the failure.</param>
    public static BuildFailure Classify(Exception e, BuildFailure? abortReason, bool runtimeAnswers) => e switch
    {
        _ when abortReason is not null => abortReason,
        BuildFailure { InnerException: PodmanException podman } failure when failure.Kind is FailureKind.Build && (!runtimeAnswers || IsDiskFull(podman)) =>
            MachineFailure(failure.Message, podman, runtimeAnswers),
        BuildFailure failure => failure,
        SourceException source => new BuildFailure(FailureKind.Source, source.Message, source),
        PodmanException podman when !runtimeAnswers || IsDiskFull(podman) => MachineFailure($"The container runtime failed: {podman.Message}", podman, runtimeAnswers),
        PodmanException podman => new BuildFailure(FailureKind.Build, $"The container runtime refused an operation of the build: {podman.Message}", podman),
        OperationCanceledException => new BuildFailure(FailureKind.Infrastructure, "An operation of this machine timed out.", e),
        IOException or UnauthorizedAccessException => new BuildFailure(FailureKind.Infrastructure,
            $"The worker could not use its work directory ({e.Message}): check WORK_DIR's free space and permissions.", e),
        _ => new BuildFailure(FailureKind.Internal,
            $"quay-builder failed unexpectedly ({e.GetType().Name}: {e.Message}): this is a defect of the worker; report it with the worker's log.", e),
    };

    /// <summary>The sentence every requeued failure ends with, so the user knows the build is not lost.</summary>
    public static string RequeueNotice(FailureKind kind) => kind switch
    {
        FailureKind.Infrastructure => " This is a failure of this builder, not of the build: the build will be retried on another builder.",
        FailureKind.Cancelled => " Unless the build was cancelled, it will be retried on another builder.",
        _ => string.Empty,
    };

    private static BuildFailure MachineFailure(string message, PodmanException cause, bool runtimeAnswers) =>
        new(FailureKind.Infrastructure,
            runtimeAnswers ? message : $"{message.TrimEnd()} The container runtime no longer answers.",
            cause);

    private static bool IsDiskFull(PodmanException e) =>
        e.Message.Contains("no space left on device", StringComparison.OrdinalIgnoreCase);
}
