using Grpc.Core;
using QuayBuilder.Protocol;

namespace QuayBuilder.Manager;

/// <summary>
/// One LogMessage stream: resending what the last one left unanswered, the sending window, and
/// closing cleanly before a proxy would cut the stream (its share of bytes, or idle).
/// </summary>
internal sealed partial class BuildLogStream
{
    // How long a failed stream's reader may take to bring in the server's final status, which
    // tells a refused line from a broken connection.
    private static readonly TimeSpan StatusWait = TimeSpan.FromSeconds(2);

    /// <summary>One LogMessage stream, from opening to its end; says how it ended.</summary>
    private async Task<(StreamEnd End, long Answers)> RunStreamAsync()
    {
        using var connection = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
        using var call = _client.LogMessage(cancellationToken: connection.Token);
        Interlocked.Increment(ref _streamsOpened);
        Entry[] resend;
        lock (_gate)
        {
            resend = [.. _inFlight];
        }

        var state = new StreamState();
        using var slots = new SemaphoreSlim(Math.Max(0, _options.Window - resend.Length));
        var reader = Task.Run(() => ReadAnswersAsync(call, slots, connection, state));
        long carriedBytes = 0;
        StreamEnd end;
        try
        {
            foreach (var entry in resend)
            {
                var request = ToRequest(entry);
                await call.RequestStream.WriteAsync(request, connection.Token).ConfigureAwait(false);
                carriedBytes += WireBytes(request);
            }

            if (resend.Length > 0)
            {
                LogResent(_logger, resend.Length);
            }

            while (true)
            {
                Entry entry;
                if (_carried is { } carried)
                {
                    entry = carried;
                }
                else if (!_queue.Reader.TryRead(out entry))
                {
                    if (!await WaitForLineAsync(state, connection.Token).ConfigureAwait(false))
                    {
                        end = StreamEnd.Idle;
                        break;
                    }

                    continue;
                }

                // Keep the line until it is safely in flight: a break while waiting for a slot or
                // a rotation must not lose it.
                _carried = entry;
                var request = ToRequest(entry);
                long bytes = WireBytes(request);
                if (carriedBytes > 0 && carriedBytes + bytes > _options.MaxStreamBytes)
                {
                    end = StreamEnd.Rotated;
                    break;
                }

                await slots.WaitAsync(connection.Token).ConfigureAwait(false);
                lock (_gate)
                {
                    _inFlight.Enqueue(entry);
                    _carried = null;
                }

                await call.RequestStream.WriteAsync(request, connection.Token).ConfigureAwait(false);
                carriedBytes += bytes;
                state.Touch();
            }

            // Close cleanly: every line on this stream answered first, so none is sent twice. The
            // reader ends when the server ends the call (it cancels the connection as it goes, so
            // it is awaited on the stop token, not the connection's).
            await DrainAsync(connection.Token).ConfigureAwait(false);
            await call.RequestStream.CompleteAsync().ConfigureAwait(false);
            try
            {
                await reader.WaitAsync(StatusWait, _stop.Token).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                // Every line was answered; the call is torn down below.
            }

            LogClosed(_logger, end == StreamEnd.Rotated ? "it carried its share of bytes" : "it was idle", carriedBytes);
            return (end, state.Answers);
        }
        catch (Exception e) when (e is RpcException or OperationCanceledException or IOException or InvalidOperationException or HttpRequestException)
        {
            if (_stop.IsCancellationRequested)
            {
                return (StreamEnd.Stopped, state.Answers);
            }

            // The writer often fails first; the reader then brings in the status the server ended
            // the call with, which says whether the oldest unanswered line was refused.
            try
            {
                await reader.WaitAsync(StatusWait).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
            }

            var status = state.Status ?? FinalStatus(call) ?? (e as RpcException)?.Status;
            if (status is { } refusal && IsRefusal(refusal))
            {
                DropOldestUnanswered(refusal);
            }
            else
            {
                LogBroken(_logger, e.GetType().Name, status is { } s ? $"{s.StatusCode}: {s.Detail}" : e.Message);
            }

            return (StreamEnd.Broken, state.Answers);
        }
        finally
        {
            await connection.CancelAsync().ConfigureAwait(false);
            await reader.ConfigureAwait(false);
        }
    }

    private static Status? FinalStatus(AsyncDuplexStreamingCall<LogMessageRequest, LogMessageResponse> call)
    {
        try
        {
            return call.GetStatus();
        }
        catch (InvalidOperationException)
        {
            // The call has not finished: no status from the server.
            return null;
        }
    }

    /// <summary>
    /// Waits for a line to send. False when there has been nothing to send and nothing unanswered
    /// for <c>IdleClose</c>: the stream is to be closed before a proxy cuts it.
    /// </summary>
    private async Task<bool> WaitForLineAsync(StreamState state, CancellationToken cancellationToken)
    {
        while (true)
        {
            var idleFor = state.SinceActivity;
            var left = _options.IdleClose - idleFor;
            if (left <= TimeSpan.Zero)
            {
                lock (_gate)
                {
                    if (_inFlight.Count == 0)
                    {
                        return false;
                    }
                }

                // Still waiting for answers (which count as activity): check again a window later.
                left = _options.IdleClose;
            }

            using var wait = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            wait.CancelAfter(left);
            try
            {
                if (await _queue.Reader.WaitToReadAsync(wait.Token).ConfigureAwait(false))
                {
                    return true;
                }
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
            }
        }
    }

    private async Task DrainAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            Task signal;
            lock (_gate)
            {
                if (_inFlight.Count == 0)
                {
                    return;
                }

                signal = _progress.Task;
            }

            await signal.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    private LogMessageRequest ToRequest(Entry entry) => new()
    {
        JobJwt = _jobToken,
        SequenceNumber = entry.Sequence,
        LogMessage = entry.Json,
        Phase = entry.Phase,
    };

    // What the request costs on the stream: the message plus gRPC's 5-byte frame header.
    private static long WireBytes(LogMessageRequest request) => request.CalculateSize() + 5;
}
