using Grpc.Core;

namespace QuayBuilder.Tests.Faults;

/// <summary>The statuses of the fault matrix (issue 14): what Quay's servicer and what sits in front of it can answer.</summary>
internal static class FaultCodes
{
    public static readonly StatusCode[] All =
    [
        StatusCode.Unknown, StatusCode.Internal, StatusCode.Unauthenticated, StatusCode.PermissionDenied, StatusCode.NotFound,
        StatusCode.FailedPrecondition, StatusCode.ResourceExhausted, StatusCode.DeadlineExceeded, StatusCode.Cancelled,
    ];

    public static TheoryData<StatusCode> Codes() => new(All);
}
