using Grpc.Core;
using Microsoft.Extensions.Logging;
using QuayBuilder.Protocol;

namespace QuayBuilder.Manager;

/// <summary>
/// Keeps the job alive on the manager's Heartbeat stream, on its own timer. The job is declared
/// gone — <see cref="JobGone"/> fires once — after three consecutive <c>reply = false</c>
/// answers, or when no heartbeat was answered for the manager's whole window (the manager has
/// then marked the job INTERNAL_ERROR already). A broken stream is reopened on the next beat.
/// </summary>
internal sealed partial class HeartbeatLoop : IAsyncDisposable
{
    internal const int RejectionsBeforeGone = 3;

    private readonly BuildManager.BuildManagerClient _client;
    private readonly string _jobToken;
    private readonly TimeSpan _interval;
    private readonly TimeSpan _window;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stop = new();
    private readonly CancellationTokenSource _gone = new();
    private Task? _loop;

    public HeartbeatLoop(BuildManager.BuildManagerClient client, string jobToken, TimeSpan interval, TimeSpan window, ILogger logger)
    {
        _client = client;
        _jobToken = jobToken;
        _interval = interval;
        _window = window;
        _logger = logger;
    }

    /// <summary>Cancelled when the manager no longer accepts the job.</summary>
    public CancellationToken JobGone => _gone.Token;

    /// <summary>Why the job is gone, once <see cref="JobGone"/> fired.</summary>
    public string? GoneReason { get; private set; }

    public void Start() => _loop ??= Task.Run(RunAsync);

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        if (_loop is not null)
        {
            try
            {
                await _loop.ConfigureAwait(false);
            }
            catch (Exception e)
            {
                // Stopping must never fail the worker: the job's outcome is already decided.
                LogStopFailed(_logger, e.GetType().Name, e.Message);
            }
        }

        _stop.Dispose();
        _gone.Dispose();
    }

    private async Task RunAsync()
    {
        var lastAnswered = DateTime.UtcNow;
        int rejections = 0;
        AsyncDuplexStreamingCall<HeartbeatRequest, HeartbeatResponse>? call = null;
        try
        {
            while (!_stop.IsCancellationRequested)
            {
                var delay = _interval;
                try
                {
                    call ??= _client.Heartbeat(cancellationToken: _stop.Token);
                    await call.RequestStream.WriteAsync(new HeartbeatRequest { JobJwt = _jobToken }, _stop.Token).ConfigureAwait(false);
                    using var answerTimeout = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
                    answerTimeout.CancelAfter(_window / 2);
                    if (!await call.ResponseStream.MoveNext(answerTimeout.Token).ConfigureAwait(false))
                    {
                        throw new RpcException(new Status(StatusCode.Unavailable, "the manager closed the heartbeat stream"));
                    }

                    lastAnswered = DateTime.UtcNow;
                    if (call.ResponseStream.Current.Reply)
                    {
                        rejections = 0;
                        LogBeat(_logger);
                    }
                    else
                    {
                        rejections++;
                        LogRejected(_logger, rejections, RejectionsBeforeGone);
                        if (rejections >= RejectionsBeforeGone)
                        {
                            Declare("the build manager answered three heartbeats in a row that the job is gone (expired or cancelled)");
                            return;
                        }

                        // Ask again soon: one rejection may be a manager restarting.
                        delay = TimeSpan.FromSeconds(1);
                    }
                }
                catch (Exception) when (_stop.IsCancellationRequested)
                {
                    return;
                }
                catch (Exception e)
                {
                    call?.Dispose();
                    call = null;
                    if (e is RpcException { StatusCode: StatusCode.Unauthenticated } rpc)
                    {
                        Declare($"the build manager no longer accepts this job's token ({rpc.Status.Detail})");
                        return;
                    }

                    var silent = DateTime.UtcNow - lastAnswered;
                    LogFailed(_logger, e.GetType().Name, silent.TotalSeconds);
                    if (silent >= _window)
                    {
                        Declare($"no heartbeat reached the build manager for {silent.TotalSeconds:0} s, longer than its {_window.TotalSeconds:0} s window, so it has given the job up");
                        return;
                    }

                    delay = TimeSpan.FromSeconds(Math.Min(_interval.TotalSeconds, 2));
                }

                try
                {
                    await Task.Delay(delay, _stop.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
        finally
        {
            if (call is not null)
            {
                try
                {
                    await call.RequestStream.CompleteAsync().ConfigureAwait(false);
                }
                catch (Exception e) when (e is RpcException or InvalidOperationException or OperationCanceledException or IOException)
                {
                    // The stream is already broken; nothing to close politely.
                }

                call.Dispose();
            }
        }
    }

    private void Declare(string reason)
    {
        GoneReason = reason;
        LogGone(_logger, reason);
        _gone.Cancel();
    }

    [LoggerMessage(EventId = 20, Level = LogLevel.Debug, Message = "Heartbeat acknowledged")]
    private static partial void LogBeat(ILogger logger);

    [LoggerMessage(EventId = 21, Level = LogLevel.Warning, Message = "The build manager rejected a heartbeat ({Count} of {Limit} in a row)")]
    private static partial void LogRejected(ILogger logger, int count, int limit);

    [LoggerMessage(EventId = 22, Level = LogLevel.Warning, Message = "Heartbeat failed ({Error}); last answer {Seconds:0} s ago")]
    private static partial void LogFailed(ILogger logger, string error, double seconds);

    [LoggerMessage(EventId = 24, Level = LogLevel.Debug, Message = "Heartbeat loop ended with {Error}: {Detail}")]
    private static partial void LogStopFailed(ILogger logger, string error, string detail);

    [LoggerMessage(EventId = 23, Level = LogLevel.Error, Message = "The job is gone: {Reason}")]
    private static partial void LogGone(ILogger logger, string reason);
}
