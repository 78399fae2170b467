using System.Threading.Channels;
using Grpc.Core;
using Microsoft.Extensions.Logging;
using QuayBuilder.Protocol;

namespace QuayBuilder.Manager;

/// <summary>
/// The job's one LogMessage stream. Lines are queued without blocking and sent as fast as the
/// manager takes them: up to <c>window</c> lines are in flight while their acknowledgements are
/// read concurrently, so the build never waits a round trip per line.
/// </summary>
/// <remarks>
/// Invariants:
/// <list type="bullet">
/// <item>Sequence numbers are given at enqueue time, strictly increasing, and lines are written in
/// that order; the manager drops any line whose number is not above the last one it saw on the
/// stream.</item>
/// <item>Nothing is dropped: the queue is unbounded (Quay has no second log channel), and a line
/// leaves the in-flight list only when the manager answered it. The manager answers in order,
/// so each answer belongs to the oldest line in flight.</item>
/// <item>When the stream breaks, a new one is opened and every unanswered line is sent again
/// with its original number, then the rest. A line whose answer was lost in the break may
/// therefore appear twice in the build log: a duplicate line is preferred over a lost one.</item>
/// </list>
/// </remarks>
internal sealed partial class BuildLogStream : IAsyncDisposable
{
    private readonly BuildManager.BuildManagerClient _client;
    private readonly string _jobToken;
    private readonly int _window;
    private readonly Action<string> _jobGone;
    private readonly ILogger _logger;
    private readonly Channel<Entry> _queue = Channel.CreateUnbounded<Entry>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Queue<Entry> _inFlight = new();
    private readonly Lock _gate = new();
    private readonly CancellationTokenSource _stop = new();
    private TaskCompletionSource _progress = NewSignal();
    private Entry? _carried;
    private int _lastSequence;
    private long _enqueued;
    private long _answered;
    private long _rejected;
    private Task? _loop;

    public BuildLogStream(BuildManager.BuildManagerClient client, string jobToken, int window, Action<string> jobGone, ILogger logger)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(window, 1);
        _client = client;
        _jobToken = jobToken;
        _window = window;
        _jobGone = jobGone;
        _logger = logger;
    }

    /// <summary>Lines the manager answered with <c>success = false</c> (dropped by it).</summary>
    public long Rejected => Interlocked.Read(ref _rejected);

    public void Start() => _loop ??= Task.Run(RunAsync);

    /// <summary>Queues one JSON-object log line. Thread-safe; never blocks.</summary>
    public void Enqueue(string json, string phase)
    {
        lock (_gate)
        {
            var entry = new Entry(++_lastSequence, json, phase);
            _enqueued++;
            _queue.Writer.TryWrite(entry);
        }
    }

    /// <summary>Waits until every line queued before this call has been answered.</summary>
    public async Task FlushAsync(CancellationToken cancellationToken)
    {
        long target;
        lock (_gate)
        {
            target = _enqueued;
        }

        while (true)
        {
            Task signal;
            lock (_gate)
            {
                if (_answered >= target)
                {
                    return;
                }

                signal = _progress.Task;
            }

            await signal.WaitAsync(cancellationToken).ConfigureAwait(false);
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

    private async Task RunAsync()
    {
        var backoff = TimeSpan.FromMilliseconds(100);
        while (!_stop.IsCancellationRequested)
        {
            using var connection = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
            using var call = _client.LogMessage(cancellationToken: connection.Token);
            Entry[] resend;
            lock (_gate)
            {
                resend = [.. _inFlight];
            }

            using var slots = new SemaphoreSlim(_window - resend.Length);
            var reader = Task.Run(() => ReadAnswersAsync(call, slots, connection));
            try
            {
                foreach (var entry in resend)
                {
                    await call.RequestStream.WriteAsync(ToRequest(entry), connection.Token).ConfigureAwait(false);
                }

                if (resend.Length > 0)
                {
                    LogResent(_logger, resend.Length);
                }

                while (true)
                {
                    var entry = _carried ?? await _queue.Reader.ReadAsync(connection.Token).ConfigureAwait(false);

                    // Keep the line until it is safely in flight: a break while waiting for a slot
                    // must not lose it.
                    _carried = entry;
                    await slots.WaitAsync(connection.Token).ConfigureAwait(false);
                    lock (_gate)
                    {
                        _inFlight.Enqueue(entry);
                    }

                    _carried = null;
                    await call.RequestStream.WriteAsync(ToRequest(entry), connection.Token).ConfigureAwait(false);
                    backoff = TimeSpan.FromMilliseconds(100);
                }
            }
            catch (Exception e) when (e is RpcException or OperationCanceledException or IOException or InvalidOperationException or HttpRequestException)
            {
                if (!_stop.IsCancellationRequested)
                {
                    LogBroken(_logger, e.GetType().Name, e.Message);
                }
            }

            await connection.CancelAsync().ConfigureAwait(false);
            await reader.ConfigureAwait(false);
            if (_stop.IsCancellationRequested)
            {
                return;
            }

            try
            {
                await Task.Delay(backoff, _stop.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            backoff = TimeSpan.FromMilliseconds(Math.Min(backoff.TotalMilliseconds * 2, 5000));
        }
    }

    private async Task ReadAnswersAsync(AsyncDuplexStreamingCall<LogMessageRequest, LogMessageResponse> call, SemaphoreSlim slots, CancellationTokenSource connection)
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

                    _answered++;
                    signal = _progress;
                    _progress = NewSignal();
                }

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
            _jobGone($"the build manager refused the job token on the log stream ({e.Status.Detail})");
        }
        catch (Exception e) when (e is RpcException or OperationCanceledException or IOException or HttpRequestException)
        {
            // The writer notices through the cancelled connection and reopens the stream.
        }
        finally
        {
            await connection.CancelAsync().ConfigureAwait(false);
        }
    }

    private LogMessageRequest ToRequest(Entry entry) => new()
    {
        JobJwt = _jobToken,
        SequenceNumber = entry.Sequence,
        LogMessage = entry.Json,
        Phase = entry.Phase,
    };

    private readonly record struct Entry(int Sequence, string Json, string Phase);

    [LoggerMessage(EventId = 30, Level = LogLevel.Warning, Message = "Log stream broken ({Error}: {Detail}); reopening")]
    private static partial void LogBroken(ILogger logger, string error, string detail);

    [LoggerMessage(EventId = 31, Level = LogLevel.Information, Message = "Log stream reopened; sent {Count} unanswered lines again")]
    private static partial void LogResent(ILogger logger, int count);

    [LoggerMessage(EventId = 32, Level = LogLevel.Warning, Message = "The build manager rejected log line {Sequence} (answered {Answer})")]
    private static partial void LogRejected(ILogger logger, int sequence, int answer);
}
