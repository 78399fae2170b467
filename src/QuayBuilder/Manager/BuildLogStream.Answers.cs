using System.Globalization;
using System.Text;
using Grpc.Core;
using QuayBuilder.Build;
using QuayBuilder.Protocol;

namespace QuayBuilder.Manager;

/// <summary>
/// The reader side of a stream: answers settle the oldest line in flight; a line the manager
/// refused is replaced by a notice.
/// </summary>
internal sealed partial class BuildLogStream
{
    private async Task ReadAnswersAsync(AsyncDuplexStreamingCall<LogMessageRequest, LogMessageResponse> call, SemaphoreSlim slots, CancellationTokenSource connection, StreamState state)
    {
        try
        {
            while (await call.ResponseStream.MoveNext(connection.Token).ConfigureAwait(false))
            {
                var answer = call.ResponseStream.Current;
                Entry answered;
                TaskCompletionSource signal;
                lock (_gate)
                {
                    if (!_inFlight.TryDequeue(out answered))
                    {
                        continue;
                    }

                    _settled++;
                    signal = _progress;
                    _progress = NewSignal();
                }

                state.Answered();
                slots.Release();
                signal.TrySetResult();
                if (!answer.Success)
                {
                    // Numbers and JSON objects are ours to get right; a rejection means a bug here.
                    Interlocked.Increment(ref _rejected);
                    LogRejected(_logger, answered.Sequence, answer.SequenceNumber);
                }
            }
        }
        catch (RpcException e) when (e.StatusCode == StatusCode.Unauthenticated)
        {
            state.Fail(e.Status);
            _jobGone($"the build manager refused the job token on the log stream ({e.Status.Detail})");
        }
        catch (RpcException e)
        {
            state.Fail(e.Status);
        }
        catch (Exception e) when (e is OperationCanceledException or IOException or HttpRequestException)
        {
            // The writer notices through the cancelled connection and reopens the stream.
        }
        finally
        {
            await connection.CancelAsync().ConfigureAwait(false);
        }
    }

    /// <summary>
    /// An answer a retry would not change: the server (not the connection) ended the call with a
    /// status about what it was sent. Quay's servicer raises UNKNOWN on a line it cannot take; a
    /// gRPC server refuses an oversized message with RESOURCE_EXHAUSTED. A status the client made
    /// up for a broken connection carries its cause as <see cref="Status.DebugException"/>.
    /// </summary>
    internal static bool IsRefusal(Status status) =>
        status.DebugException is null && status.StatusCode is StatusCode.ResourceExhausted or StatusCode.InvalidArgument
            or StatusCode.OutOfRange or StatusCode.FailedPrecondition or StatusCode.Unknown;

    /// <summary>
    /// The manager answers in order, so the line it refused is the oldest one it has not answered:
    /// that one is replaced by a notice (same number, same place) and the rest go on.
    /// </summary>
    private void DropOldestUnanswered(Status status)
    {
        TaskCompletionSource? signal = null;
        Entry refused;
        lock (_gate)
        {
            if (!_inFlight.TryDequeue(out refused))
            {
                LogRefusedNothing(_logger, status.StatusCode, status.Detail);
                return;
            }

            var rest = _inFlight.ToArray();
            _inFlight.Clear();
            if (refused.IsNotice)
            {
                // A refused notice is not replaced by another, or a manager that refuses
                // everything would be sent notices forever.
                _settled++;
                signal = _progress;
                _progress = NewSignal();
            }
            else
            {
                _inFlight.Enqueue(Notice(refused, status));
            }

            foreach (var entry in rest)
            {
                _inFlight.Enqueue(entry);
            }
        }

        Interlocked.Increment(ref _refused);
        signal?.TrySetResult();
        LogRefused(_logger, refused.Sequence, refused.TextBytes, status.StatusCode, status.Detail);
    }

    private static Entry Notice(Entry refused, Status status)
    {
        var detail = status.Detail.Length > 200 ? status.Detail[..200] + "…" : status.Detail;
        var text = string.Create(CultureInfo.InvariantCulture,
            $"Warning: a log line of {refused.TextBytes:N0} bytes was dropped: the build manager refused it ({status.StatusCode}: {detail}). The log goes on with the next line.");
        var notice = BuildLogMessage.Stream(text);
        return new Entry(refused.Sequence, notice.ToJson(), refused.Phase, Encoding.UTF8.GetByteCount(notice.Text), IsNotice: true);
    }
}
