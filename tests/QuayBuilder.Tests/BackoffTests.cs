using System.Diagnostics;
using Grpc.Core;
using Polly;

namespace QuayBuilder.Tests;

public sealed class BackoffTests
{
    private static readonly RpcException Unavailable = new(new Status(StatusCode.Unavailable, "manager restarting"));

    [Fact]
    public void DelayBefore_DoublesFromFirstAndStopsAtLast()
    {
        var waits = Enumerable.Range(0, 8).Select(Backoff.ManagerCall.DelayBefore).Select(d => (int)d.TotalMilliseconds);

        Assert.Equal([250, 500, 1000, 2000, 4000, 5000, 5000, 5000], waits);
        Assert.Equal(TimeSpan.FromSeconds(5), Backoff.ManagerCall.DelayBefore(int.MaxValue));
        Assert.Equal([100, 200, 400, 800, 1600, 3200, 5000], Enumerable.Range(0, 7).Select(n => (int)Backoff.LogStreamReconnect.DelayBefore(n).TotalMilliseconds));
    }

    [Fact]
    public async Task ManagerCalls_WhenAlwaysTransient_StopsBeforeTheNextTryWouldStartPastTheWindow()
    {
        var retries = new List<(string Method, int Attempt, TimeSpan Delay)>();
        var pipeline = Backoff.ManagerCalls(TimeSpan.FromSeconds(1), _ => true, (method, attempt, _, delay) => retries.Add((method, attempt, delay)));
        var tries = 0;
        var clock = Stopwatch.StartNew();

        var e = await Assert.ThrowsAsync<RpcException>(() => Backoff.ExecuteAsync<int>(
            () => pipeline,
            "Ping",
            _ =>
            {
                tries++;
                throw Unavailable;
            },
            CancellationToken.None));

        // Tries at 0, 250 and 750 ms; the next would start at 1,750 ms, past the 1 s window.
        Assert.Same(Unavailable, e);
        Assert.Equal(3, tries);
        Assert.Equal([("Ping", 1, TimeSpan.FromMilliseconds(250)), ("Ping", 2, TimeSpan.FromMilliseconds(500))], retries);
        Assert.InRange(clock.Elapsed, TimeSpan.FromMilliseconds(700), TimeSpan.FromMilliseconds(1500));
    }

    [Fact]
    public async Task Execute_WhenTheFirstTrySucceeds_NeverBuildsThePipeline()
    {
        var built = 0;

        var answer = await Backoff.ExecuteAsync(
            () =>
            {
                built++;
                return ResiliencePipeline.Empty;
            },
            "Ping",
            _ => Task.FromResult(42),
            CancellationToken.None);

        Assert.Equal(42, answer);
        Assert.Equal(0, built);
    }

    [Fact]
    public async Task ExecuteRegistryTransfer_WhenTheFirstTwoTriesFail_RetriesOnTheGivenPolicyAndNumbersTheTries()
    {
        var notices = new List<QuayBuilder.Podman.RetryNotice>();
        var policy = Backoff.RegistryTransfer with { InitialDelay = TimeSpan.FromMilliseconds(10) };
        var tries = 0;

        var digest = await Backoff.ExecuteRegistryTransferAsync(
            policy,
            notices.Add,
            _ => ++tries < 3 ? throw new QuayBuilder.Podman.PodmanException($"Pushing x failed: 503 #{tries}") : Task.FromResult("sha256:ok"),
            CancellationToken.None);

        Assert.Equal("sha256:ok", digest);
        Assert.Equal([(1, 3, 10, "Pushing x failed: 503 #1"), (2, 3, 20, "Pushing x failed: 503 #2")],
            notices.Select(n => (n.FailedAttempt, n.MaxAttempts, (int)n.Delay.TotalMilliseconds, n.Reason)));
    }

    [Fact]
    public async Task ManagerCalls_WhenNotTransient_TriesOnce()
    {
        var pipeline = Backoff.ManagerCalls(TimeSpan.FromSeconds(10), _ => false, (_, _, _, _) => Assert.Fail("no retry"));
        var tries = 0;

        await Assert.ThrowsAsync<RpcException>(() => Backoff.ExecuteAsync<int>(() => pipeline, "SetPhase", _ => { tries++; throw Unavailable; }, CancellationToken.None));

        Assert.Equal(1, tries);
    }

    [Fact]
    public async Task ManagerCalls_WhenCancelledDuringTheWait_StopsWithoutAnotherTry()
    {
        using var cancel = new CancellationTokenSource();
        var pipeline = Backoff.ManagerCalls(TimeSpan.FromMinutes(1), _ => true, (_, _, _, _) => cancel.CancelAfter(50));
        var tries = 0;

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => Backoff.ExecuteAsync<int>(() => pipeline, "Ping", _ => { tries++; throw Unavailable; }, cancel.Token));

        Assert.Equal(1, tries);
    }

    [Fact]
    public async Task ManagerCalls_WhenRunWithoutAWindowStart_DoesNotRetryForever()
    {
        var pipeline = Backoff.ManagerCalls(TimeSpan.FromMinutes(1), _ => true, (_, _, _, _) => Assert.Fail("no retry"));
        var tries = 0;

        await Assert.ThrowsAsync<RpcException>(async () => await pipeline.ExecuteAsync<int>(_ => { tries++; throw Unavailable; }, CancellationToken.None));

        Assert.Equal(1, tries);
    }

    [Fact]
    public async Task PackageDownload_TriesThreeTimesTwoThenFourSecondsApart()
    {
        var options = Backoff.PackageDownload();
        var waits = new List<TimeSpan>();
        options.OnRetry = args =>
        {
            waits.Add(args.RetryDelay);
            return ValueTask.CompletedTask;
        };
        var pipeline = new ResiliencePipelineBuilder { TimeProvider = new NoWaiting() }.AddRetry(options).Build();
        var tries = 0;

        await Assert.ThrowsAsync<HttpRequestException>(async () => await pipeline.ExecuteAsync(_ =>
        {
            tries++;
            throw new HttpRequestException("HTTP 503");
        }, CancellationToken.None));

        Assert.Equal(3, tries);
        Assert.Equal([TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(4)], waits);
    }

    /// <summary>Time in which every wait is over at once, so a schedule of seconds is checked in milliseconds.</summary>
    private sealed class NoWaiting : TimeProvider
    {
        public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
        {
            ThreadPool.QueueUserWorkItem(_ => callback(state));
            return new Done();
        }

        private sealed class Done : ITimer
        {
            public bool Change(TimeSpan dueTime, TimeSpan period) => true;

            public void Dispose()
            {
            }

            public ValueTask DisposeAsync() => ValueTask.CompletedTask;
        }
    }
}
