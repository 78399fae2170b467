using Grpc.Core;
using QuayBuilder.Build;
using QuayBuilder.Logging;

namespace QuayBuilder.Manager;

/// <summary>
/// The one place where an <see cref="RpcException"/> from the build manager becomes the
/// <see cref="BuildFailure"/> the worker acts on, for every call: Ping and RegisterBuildJob
/// (before there is a job: <see cref="FailureKind.Registration"/>), SetPhase, DetermineCachedTag
/// and the streams (a job exists: <see cref="FailureKind.JobGone"/>, so no final phase — the
/// manager refused the job or cannot handle it, and the job is left to expire).
/// </summary>
internal static class ManagerCallFailure
{
    public const string SignatureExpired = "Signature has expired";
    public const string SignatureInvalid = "Signature verification failed";
    public const string UnableToStartJob = "Build manager unable to start job";

    /// <param name="method">The RPC, as in the proto (<c>SetPhase</c>).</param>
    /// <param name="e">The manager's answer (never a cancellation of ours: that stays an OperationCanceledException).</param>
    /// <param name="server">SERVER, to name in the message.</param>
    /// <param name="masker">Details may echo what was sent; they pass the masker.</param>
    /// <param name="retriedFor">Set when a transient status was retried that long without success.</param>
    public static BuildFailure Classify(string method, RpcException e, string server, SecretMasker masker, TimeSpan? retriedFor = null)
    {
        ArgumentNullException.ThrowIfNull(e);
        ArgumentNullException.ThrowIfNull(masker);
        var detail = masker.Apply(e.Status.Detail);
        var status = $"{e.StatusCode}: {detail}";
        bool registering = method is "Ping" or "RegisterBuildJob";
        if (retriedFor is { } window)
        {
            return registering
                ? new BuildFailure(FailureKind.Registration,
                    $"The build manager at {server} did not answer {method} for {window.TotalSeconds:0} s ({status}): " +
                    "check that SERVER names the manager's gRPC port, that INSECURE matches its TLS setting, and that the network allows the connection.", e)
                : new BuildFailure(FailureKind.JobGone,
                    $"The build manager at {server} did not answer {method} for {window.TotalSeconds:0} s ({status}): the worker gives the job up; it will expire and Quay will requeue it.", e);
        }

        if (registering)
        {
            return new BuildFailure(FailureKind.Registration, RegistrationMessage(method, e.StatusCode, detail, status, server), e);
        }

        return e.StatusCode switch
        {
            StatusCode.Unauthenticated => new BuildFailure(FailureKind.JobGone,
                $"The build manager no longer accepts this job's token ({method} answered {status}): the job expired or was cancelled, so the worker stops here.", e),
            _ => new BuildFailure(FailureKind.JobGone,
                $"The build manager failed the {method} call ({status}): the worker cannot go on with this job; it will expire and Quay will requeue it. See the build manager's log for the cause.", e),
        };
    }

    private static string RegistrationMessage(string method, StatusCode code, string detail, string status, string server)
    {
        if (code == StatusCode.Unauthenticated && detail.Contains(SignatureExpired, StringComparison.OrdinalIgnoreCase))
        {
            return $"The build manager at {server} refused the registration token because it expired ({detail}). " +
                "A registration token is valid only JOB_REGISTRATION_TIMEOUT seconds after the build was queued: start workers sooner, " +
                "or raise JOB_REGISTRATION_TIMEOUT in Quay's build manager configuration. Quay will requeue the build.";
        }

        if (code == StatusCode.Unauthenticated && detail.Contains(SignatureInvalid, StringComparison.OrdinalIgnoreCase))
        {
            return $"The build manager at {server} refused the registration token: its signature does not verify ({detail}). " +
                "TOKEN is not the token Quay issued for this build, was altered, or was signed with another key: check TOKEN, " +
                "and that this SERVER is the manager of the Quay that issued it (the same instance keys).";
        }

        if (code == StatusCode.Unauthenticated)
        {
            return $"The build manager at {server} refused the registration token ({detail}): check that TOKEN is the one Quay issued for this build " +
                "and that it was used within JOB_REGISTRATION_TIMEOUT seconds.";
        }

        if (code == StatusCode.Internal && detail.Contains(UnableToStartJob, StringComparison.OrdinalIgnoreCase))
        {
            return $"The build manager at {server} could not start the job ({detail}): the job had already expired, been cancelled, " +
                "or been taken by another worker. Nothing to build; Quay requeues the build if it still exists.";
        }

        return $"The build manager at {server} failed {method} ({status}): see the build manager's log; Quay will requeue the build.";
    }
}
