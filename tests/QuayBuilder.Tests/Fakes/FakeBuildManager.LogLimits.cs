using Grpc.Core;
using QuayBuilder.Protocol;

namespace QuayBuilder.Tests.Fakes;

/// <summary>
/// Issue 16's switches and records of the fake manager (log size, refusals, stream lengths), kept
/// apart from the rest so they merge cleanly. Hooked into <see cref="LogMessage"/> by one call per
/// request (<see cref="OnLogRequest"/>) and one per clean end (<see cref="OnLogStreamCompleted"/>).
/// </summary>
public sealed partial class FakeBuildManager
{
    /// <summary>
    /// The largest message a default gRPC server (Quay's manager keeps the default) accepts: the
    /// host (FakeManagerServer) sets it; a larger one ends the stream with RESOURCE_EXHAUSTED.
    /// </summary>
    public const int MaxReceiveMessageSize = 4 * 1024 * 1024;

    private long _longestLogStreamBytes;
    private int _refusedLogRequests;
    private int _logStreamsCompleted;

    /// <summary>
    /// A log request this returns true for ends the stream with RESOURCE_EXHAUSTED, every time it
    /// is sent, after every request before it was answered: a poison line.
    /// </summary>
    public Func<LogMessageRequest, bool>? RefuseLogRequest { get; set; }

    /// <summary>Requests ended by <see cref="RefuseLogRequest"/>.</summary>
    public int RefusedLogRequests => Volatile.Read(ref _refusedLogRequests);

    /// <summary>The most bytes (gRPC frames: 5-byte header + message) one LogMessage stream carried.</summary>
    public long LongestLogStreamBytes => Interlocked.Read(ref _longestLogStreamBytes);

    /// <summary>LogMessage streams the worker ended cleanly (completed its side; nothing cut).</summary>
    public int LogStreamsCompleted => Volatile.Read(ref _logStreamsCompleted);

    /// <summary>Called for each request of a stream with the bytes the stream has carried so far.</summary>
    private void OnLogRequest(LogMessageRequest request, ref long streamBytes)
    {
        streamBytes += request.CalculateSize() + 5;
        long seen = Interlocked.Read(ref _longestLogStreamBytes);
        while (streamBytes > seen)
        {
            long previous = Interlocked.CompareExchange(ref _longestLogStreamBytes, streamBytes, seen);
            if (previous == seen)
            {
                break;
            }

            seen = previous;
        }

        if (RefuseLogRequest?.Invoke(request) == true)
        {
            Interlocked.Increment(ref _refusedLogRequests);
            throw new RpcException(new Status(StatusCode.ResourceExhausted, "injected: this log message is refused"));
        }
    }

    private void OnLogStreamCompleted() => Interlocked.Increment(ref _logStreamsCompleted);
}
