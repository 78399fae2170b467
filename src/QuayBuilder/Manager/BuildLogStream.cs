using System.Threading.Channels;
using Microsoft.Extensions.Logging;
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
/// This file holds the state and the reconnect loop; the partial files hold queueing and the
/// log's bound (<c>.Queue</c>), one stream's sending (<c>.Send</c>), its answers and refusals
/// (<c>.Answers</c>, <c>.StreamState</c>) and the log messages (<c>.Log</c>).
/// </remarks>
internal sealed partial class BuildLogStream : IAsyncDisposable
{
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
        // Failed streams since the last one the manager answered: the wait before the next grows
        // with them on Backoff.LogStreamReconnect (docs/adr/0014-one-backoff-policy.md).
        int failures = 0;
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
                failures = 0;
                continue;
            }

            if (answers > 0)
            {
                failures = 0;
            }

            try
            {
                await Task.Delay(Backoff.LogStreamReconnect.DelayBefore(failures), _stop.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            // Past 30 the wait is long capped; stopping there keeps the count from overflowing.
            failures = Math.Min(failures + 1, 30);
        }
    }

    private bool HasUnsent()
    {
        lock (_gate)
        {
            return _carried is not null || _inFlight.Count > 0;
        }
    }

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
}
