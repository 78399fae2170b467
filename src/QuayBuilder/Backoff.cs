using System.Diagnostics;
using System.Runtime.ExceptionServices;
using Polly;
using Polly.Retry;
using QuayBuilder.Podman;

namespace QuayBuilder;

/// <summary>
/// Every retry of the worker, stated once. One policy: exponential backoff without jitter (the
/// wait doubles from a first delay up to a cap, <see cref="BackoffSchedule"/>), bounded by a number
/// of tries or by a time window. Polly.Core runs the retries; the caller says which failures are
/// worth another try, since only it knows its errors. The log stream's reconnect uses the same
/// schedule but its own loop (docs/adr/0014-one-backoff-policy.md says why).
/// </summary>
internal static class Backoff
{
    /// <summary>
    /// Ping, RegisterBuildJob, SetPhase, DetermineCachedTag: a manager restart or a proxy's hiccup
    /// is over in seconds. Retried for as long as the window (REGISTRATION_TIMEOUT) allows.
    /// </summary>
    public static readonly BackoffSchedule ManagerCall = new(TimeSpan.FromMilliseconds(250), TimeSpan.FromSeconds(5));

    /// <summary>
    /// Reopening a broken LogMessage stream: soon, since the build's output waits in memory; for
    /// the whole build, starting from the first delay again after a stream the manager answered.
    /// </summary>
    public static readonly BackoffSchedule LogStreamReconnect = new(TimeSpan.FromMilliseconds(100), TimeSpan.FromSeconds(5));

    /// <summary>Pulls and pushes: 3 tries, 2 s then 4 s apart; 30 s after a 429 without Retry-After, never more than 120 s.</summary>
    public static readonly RetryPolicy RegistryTransfer = new()
    {
        Attempts = 3,
        InitialDelay = TimeSpan.FromSeconds(2),
        RateLimitedDelay = TimeSpan.FromSeconds(30),
        MaxDelay = TimeSpan.FromSeconds(120),
    };

    /// <summary>When a manager call's first try started; its window is measured from there.</summary>
    private static readonly ResiliencePropertyKey<long> WindowStart = new("QuayBuilder.Backoff.WindowStart");

    /// <summary>
    /// The pipeline for the manager's unary calls: a failure <paramref name="isTransient"/> accepts
    /// is tried again on <see cref="ManagerCall"/> while the next try would still start within
    /// <paramref name="window"/> of the first; otherwise it is thrown as it is. Run calls through
    /// <see cref="ExecuteAsync"/>, which starts the window.
    /// </summary>
    public static ResiliencePipeline ManagerCalls(TimeSpan window, Func<Exception, bool> isTransient, Action<string, int, Exception, TimeSpan> onRetry) =>
        new ResiliencePipelineBuilder()
            .AddRetry(new RetryStrategyOptions
            {
                MaxRetryAttempts = int.MaxValue,
                DelayGenerator = args => ValueTask.FromResult<TimeSpan?>(ManagerCall.DelayBefore(args.AttemptNumber)),
                ShouldHandle = args => ValueTask.FromResult(
                    args.Outcome.Exception is { } failure
                    && !args.Context.CancellationToken.IsCancellationRequested
                    && isTransient(failure)
                    && WithinWindow(args.Context, ManagerCall.DelayBefore(args.AttemptNumber), window)),
                OnRetry = args =>
                {
                    onRetry(args.Context.OperationKey ?? string.Empty, args.AttemptNumber + 1, args.Outcome.Exception!, args.RetryDelay);
                    return ValueTask.CompletedTask;
                },
            })
            .Build();

    /// <summary>
    /// Runs <paramref name="call"/> (named <paramref name="operation"/> for the log) once; when that
    /// try fails, the pipeline <paramref name="retries"/> gives decides, from that failure on, what
    /// is tried again and when, as if it had run the first try itself: a time window counts from
    /// the first try, and the first failure is its attempt 0.
    /// </summary>
    /// <remarks>
    /// The pipeline is made only when it is needed: building one costs Polly.Core ~1.2 MiB of
    /// resident memory and ~2 ms (its options are validated by reflection; measured on a native-AOT
    /// build), which a worker whose calls succeed would otherwise pay at start-up and while idle.
    /// </remarks>
    public static async Task<T> ExecuteAsync<T>(Func<ResiliencePipeline> retries, string operation, Func<CancellationToken, Task<T>> call, CancellationToken cancellationToken)
    {
        long started = Stopwatch.GetTimestamp();
        ExceptionDispatchInfo? first;
        try
        {
            return await call(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            first = ExceptionDispatchInfo.Capture(e);
        }

        var context = ResilienceContextPool.Shared.Get(operation, cancellationToken);
        try
        {
            context.Properties.Set(WindowStart, started);
            return await retries().ExecuteAsync(
                async context =>
                {
                    if (first is { } failed)
                    {
                        first = null;
                        failed.Throw();
                    }

                    return await call(context.CancellationToken).ConfigureAwait(false);
                },
                context).ConfigureAwait(false);
        }
        finally
        {
            ResilienceContextPool.Shared.Return(context);
        }
    }

    /// <summary>Runs a pull or push, retried on <paramref name="policy"/> (tests shorten it), else on <see cref="RegistryTransfer"/>.</summary>
    public static Task<T> ExecuteRegistryTransferAsync<T>(RetryPolicy? policy, Action<RetryNotice> onRetry, Func<CancellationToken, Task<T>> transfer, CancellationToken cancellationToken) =>
        ExecuteAsync(() => Retry.Pipeline(policy ?? RegistryTransfer, onRetry), "registry transfer", transfer, cancellationToken);

    /// <summary>
    /// Build package downloads: 3 tries, 2 s then 4 s apart. The downloader adds which failures it
    /// retries and what it reports (a fresh instance each time: Polly's options are mutable).
    /// </summary>
    public static RetryStrategyOptions PackageDownload() => new()
    {
        MaxRetryAttempts = 2,
        BackoffType = DelayBackoffType.Exponential,
        UseJitter = false,
        Delay = TimeSpan.FromSeconds(2),
        MaxDelay = TimeSpan.FromSeconds(4),
    };

    // A call run without a window start is not retried: it could never time out.
    private static bool WithinWindow(ResilienceContext context, TimeSpan delay, TimeSpan window) =>
        context.Properties.TryGetValue(WindowStart, out var started) && Stopwatch.GetElapsedTime(started) + delay <= window;
}
