using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Threading.Channels;
using Grpc.Core;
using Microsoft.Extensions.Logging;
using QuayBuilder.Build;
using QuayBuilder.Protocol;

namespace QuayBuilder.Manager;

/// <summary>
/// The job's LogMessage streams. Lines are queued without blocking and sent as fast as the
/// manager takes them: up to <c>Window</c> lines are in flight while their answers are read
/// concurrently, so the build never waits a round trip per line.
/// </summary>
/// <remarks>
/// Invariants (docs/adr/0009-build-log-delivery.md says why):
/// <list type="bullet">
/// <item>Sequence numbers are given at enqueue time, strictly increasing, and lines are written in
/// that order; the manager drops any line whose number is not above the last one it saw on the
/// stream. It keeps nothing between streams, so numbers simply go on across streams.</item>
/// <item>No message carries more than <c>MaxPieceBytes</c> of text: a longer line is sent as
/// consecutive pieces (<see cref="LogLineSplitter"/>). The whole log holds at most
/// <c>MaxLogBytes</c> (<see cref="BuildLogBudget"/>).</item>
/// <item>A line leaves the in-flight list only when the manager answered it (in order, so each
/// answer belongs to the oldest line in flight) or refused it. A stream that breaks is reopened
/// and only the unanswered lines are sent again.</item>
/// <item>No stream is cut by a proxy in the middle of its lines, which would store lines twice:
/// before a stream carries <c>MaxStreamBytes</c> (nginx cuts at 5 MB), and after <c>IdleClose</c>
/// with nothing to send (nginx cuts after 60 s without an answer), the sender waits until every
/// line on it is answered and closes it cleanly. A new stream opens when there is a line to send.</item>
/// <item>A line the manager refuses with an answer a retry would not change (a refused size, a
/// status the servicer raised) costs one stream: it is replaced by one notice naming what was
/// dropped and why, and the lines after it follow.</item>
/// </list>
/// </remarks>
internal sealed partial class BuildLogStream : IAsyncDisposable
{
    private static readonly TimeSpan FirstBackoff = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan LastBackoff = TimeSpan.FromSeconds(5);

    // How long a failed stream's reader may take to bring in the server's final status, which
    // tells a refused line from a broken connection.
    private static readonly TimeSpan StatusWait = TimeSpan.FromSeconds(2);

    private readonly BuildManager.BuildManagerClient _client;
    private readonly string _jobToken;
    private readonly BuildLogStreamOptions _options;
    private readonly Action<string> _jobGone;
    private readonly ILogger _logger;
    private readonly Channel<Entry> _queue = Channel.CreateUnbounded<Entry>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Queue<Entry> _inFlight = new();
    private readonly Lock _gate = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly BuildLogBudget _budget;
    private TaskCompletionSource _progress = NewSignal();
    private Entry? _carried;
    private int _lastSequence;
    private long _enqueued;
    private long _settled;
    private long _rejected;
    private long _refused;
    private int _streamsOpened;
    private string _phase = "waiting";
    private Task? _loop;

    public BuildLogStream(BuildManager.BuildManagerClient client, string jobToken, int window, Action<string> jobGone, ILogger logger)
        : this(client, jobToken, new BuildLogStreamOptions { Window = window }, jobGone, logger)
    {
    }

    public BuildLogStream(BuildManager.BuildManagerClient client, string jobToken, BuildLogStreamOptions options, Action<string> jobGone, ILogger logger)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(options.Window, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.MaxPieceBytes, LogLineSplitter.MinimumBytes);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.MaxStreamBytes, 1);
        _client = client;
        _jobToken = jobToken;
        _options = options;
        _jobGone = jobGone;
        _logger = logger;
        _budget = new BuildLogBudget(options.MaxLogBytes, options.MaxLogBytesSetting);
    }

    /// <summary>Lines the manager answered with <c>success = false</c> (dropped by it).</summary>
    public long Rejected => Interlocked.Read(ref _rejected);

    /// <summary>Lines the manager refused outright, each replaced by a notice.</summary>
    public long Refused => Interlocked.Read(ref _refused);

    /// <summary>LogMessage streams opened so far.</summary>
    public int StreamsOpened => Volatile.Read(ref _streamsOpened);

    public void Start() => _loop ??= Task.Run(RunAsync);

    /// <summary>
    /// Queues one log line, already masked. Thread-safe; never blocks on the network. A line past
    /// the log's bound is left out; a line longer than <c>MaxPieceBytes</c> is queued as pieces.
    /// </summary>
    public void Enqueue(BuildLogMessage message, string phase)
    {
        long bytes = Encoding.UTF8.GetByteCount(message.Text);
        if (bytes > _options.MaxPieceBytes || (_budget.IsCut && message.Kind != LogMessageKind.Error))
        {
            EnqueueLongOrCut(message, phase, bytes);
            return;
        }

        // The common case, one message: encoded outside the lock, admitted and numbered under it.
        // (IsCut is read without the lock: a stale false only sends the line to Admit, which decides.)
        var json = message.ToJson();
        BuildLogMessage? notice;
        lock (_gate)
        {
            _phase = phase;
            if (_budget.Admit(message.Kind, bytes, out notice))
            {
                Push(json, phase, bytes, isNotice: false);
                return;
            }

            if (notice is { } cut)
            {
                Push(cut.ToJson(), phase, Encoding.UTF8.GetByteCount(cut.Text), isNotice: true);
            }
        }

        if (notice is not null)
        {
            LogCut(_logger, _budget.MaxBytes);
        }
    }

    private void EnqueueLongOrCut(BuildLogMessage message, string phase, long bytes)
    {
        bool admitted;
        BuildLogMessage? notice;
        lock (_gate)
        {
            admitted = _budget.Admit(message.Kind, bytes, out notice);
            _phase = phase;
            if (notice is { } cut)
            {
                Push(cut.ToJson(), phase, Encoding.UTF8.GetByteCount(cut.Text), isNotice: true);
            }
        }

        if (notice is not null)
        {
            LogCut(_logger, _budget.MaxBytes);
        }

        if (admitted)
        {
            Add(LogLineSplitter.Split(message, _options.MaxPieceBytes), phase);
        }
    }

    /// <summary>
    /// Waits until every line queued before this call has been answered, but never longer than
    /// <c>FlushTimeout</c> (15 s by default) or until <paramref name="cancellationToken"/> fires.
    /// Returns whether every line was answered; what was not stays queued. When the log was cut,
    /// one line saying how much was left out is queued first.
    /// </summary>
    public async Task<bool> FlushAsync(CancellationToken cancellationToken)
    {
        BuildLogMessage? summary;
        string phase;
        lock (_gate)
        {
            summary = _budget.TakeSummary();
            phase = _phase;
        }

        if (summary is { } line)
        {
            lock (_gate)
            {
                Push(line.ToJson(), phase, Encoding.UTF8.GetByteCount(line.Text), isNotice: true);
            }
        }

        long target;
        lock (_gate)
        {
            target = _enqueued;
        }

        using var bound = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        bound.CancelAfter(_options.FlushTimeout);
        try
        {
            while (true)
            {
                Task signal;
                lock (_gate)
                {
                    if (_settled >= target)
                    {
                        return true;
                    }

                    signal = _progress.Task;
                }

                await signal.WaitAsync(bound.Token).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            long left;
            lock (_gate)
            {
                left = target - _settled;
            }

            LogFlushGaveUp(_logger, _options.FlushTimeout.TotalSeconds, left);
            return false;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        if (_loop is not null)
        {
            await _loop.ConfigureAwait(false);
        }

        _stop.Dispose();
    }

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Numbers and queues the pieces of one line, consecutively even with other writers.</summary>
    private void Add(IReadOnlyList<BuildLogMessage> pieces, string phase)
    {
        var encoded = pieces.Select(p => (Json: p.ToJson(), Bytes: (long)Encoding.UTF8.GetByteCount(p.Text))).ToArray();
        lock (_gate)
        {
            foreach (var (json, bytes) in encoded)
            {
                Push(json, phase, bytes, isNotice: false);
            }
        }
    }

    /// <summary>Numbers and queues one message. The caller holds <see cref="_gate"/>.</summary>
    private void Push(string json, string phase, long textBytes, bool isNotice)
    {
        _enqueued++;
        _queue.Writer.TryWrite(new Entry(++_lastSequence, json, phase, textBytes, isNotice));
    }

    private async Task RunAsync()
    {
        var backoff = FirstBackoff;
        while (!_stop.IsCancellationRequested)
        {
            try
            {
                // A stream is opened only when there is something to send: an idle build keeps none
                // open for a proxy to cut.
                if (!HasUnsent() && !await _queue.Reader.WaitToReadAsync(_stop.Token).ConfigureAwait(false))
                {
                    return;
                }
            }
            catch (OperationCanceledException)
            {
                return;
            }

            var (end, answers) = await RunStreamAsync().ConfigureAwait(false);
            if (end is StreamEnd.Stopped)
            {
                return;
            }

            if (end is StreamEnd.Rotated or StreamEnd.Idle)
            {
                backoff = FirstBackoff;
                continue;
            }

            if (answers > 0)
            {
                backoff = FirstBackoff;
            }

            try
            {
                await Task.Delay(backoff, _stop.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            backoff = TimeSpan.FromMilliseconds(Math.Min(backoff.TotalMilliseconds * 2, LastBackoff.TotalMilliseconds));
        }
    }

    private bool HasUnsent()
    {
        lock (_gate)
        {
            return _carried is not null || _inFlight.Count > 0;
        }
    }

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

    private LogMessageRequest ToRequest(Entry entry) => new()
    {
        JobJwt = _jobToken,
        SequenceNumber = entry.Sequence,
        LogMessage = entry.Json,
        Phase = entry.Phase,
    };

    // What the request costs on the stream: the message plus gRPC's 5-byte frame header.
    private static long WireBytes(LogMessageRequest request) => request.CalculateSize() + 5;

    private enum StreamEnd
    {
        Stopped,
        Broken,
        Rotated,
        Idle,
    }

    /// <param name="Json">The <c>log_message</c>: one JSON object.</param>
    /// <param name="TextBytes">UTF-8 bytes of the line's text (for the notice that may replace it).</param>
    /// <param name="IsNotice">One of our own notices, never replaced by another.</param>
    private readonly record struct Entry(int Sequence, string Json, string Phase, long TextBytes, bool IsNotice);

    /// <summary>What one stream's reader learned: answers, the last activity, the final status.</summary>
    private sealed class StreamState
    {
        private readonly Lock _gate = new();
        private long _answers;
        private long _lastActivity = Stopwatch.GetTimestamp();
        private Status? _status;

        public long Answers => Interlocked.Read(ref _answers);

        public TimeSpan SinceActivity => Stopwatch.GetElapsedTime(Interlocked.Read(ref _lastActivity));

        public Status? Status
        {
            get
            {
                lock (_gate)
                {
                    return _status;
                }
            }
        }

        public void Touch() => Interlocked.Exchange(ref _lastActivity, Stopwatch.GetTimestamp());

        public void Answered()
        {
            Interlocked.Increment(ref _answers);
            Touch();
        }

        public void Fail(Status status)
        {
            lock (_gate)
            {
                // The first status is the server's verdict; a later one only echoes the teardown.
                _status ??= status;
            }
        }
    }

    [LoggerMessage(EventId = 30, Level = LogLevel.Warning, Message = "Log stream broken ({Error}: {Detail}); reopening")]
    private static partial void LogBroken(ILogger logger, string error, string detail);

    [LoggerMessage(EventId = 31, Level = LogLevel.Information, Message = "Log stream reopened; sent {Count} unanswered lines again")]
    private static partial void LogResent(ILogger logger, int count);

    [LoggerMessage(EventId = 32, Level = LogLevel.Warning, Message = "The build manager rejected log line {Sequence} (answered {Answer})")]
    private static partial void LogRejected(ILogger logger, int sequence, int answer);

    [LoggerMessage(EventId = 33, Level = LogLevel.Warning, Message = "The build manager refused log line {Sequence} ({Bytes} bytes) with {Code}: {Detail}; it is replaced by a notice")]
    private static partial void LogRefused(ILogger logger, int sequence, long bytes, StatusCode code, string detail);

    [LoggerMessage(EventId = 34, Level = LogLevel.Warning, Message = "The build manager ended the log stream with {Code}: {Detail}, with no line unanswered; reopening")]
    private static partial void LogRefusedNothing(ILogger logger, StatusCode code, string detail);

    [LoggerMessage(EventId = 35, Level = LogLevel.Debug, Message = "Log stream closed cleanly because {Reason} ({Bytes} bytes)")]
    private static partial void LogClosed(ILogger logger, string reason, long bytes);

    [LoggerMessage(EventId = 36, Level = LogLevel.Warning, Message = "The build log reached its limit of {MaxBytes} bytes: later output is left out")]
    private static partial void LogCut(ILogger logger, long maxBytes);

    [LoggerMessage(EventId = 37, Level = LogLevel.Warning, Message = "Log flush gave up after {Seconds} s with {Lines} lines unanswered")]
    private static partial void LogFlushGaveUp(ILogger logger, double seconds, long lines);
}
