namespace QuayBuilder.Podman.Tests;

public sealed class RetryTests
{
    private static readonly RetryPolicy Fast = new()
    {
        Attempts = 3,
        InitialDelay = TimeSpan.FromMilliseconds(10),
        RateLimitedDelay = TimeSpan.FromMilliseconds(300),
        MaxDelay = TimeSpan.FromSeconds(2),
    };

    [Fact]
    public async Task Run_WhenFirstTwoTriesFail_SucceedsOnThirdAndReportsTwoRetries()
    {
        var notices = new List<RetryNotice>();
        var tries = 0;

        var result = await Retry.Pipeline(Fast, notices.Add).ExecuteAsync(
            _ =>
            {
                tries++;
                return tries < 3 ? throw new PodmanException($"push failed #{tries}") : ValueTask.FromResult("pushed");
            },
            CancellationToken.None);

        Assert.Equal("pushed", result);
        Assert.Equal(3, tries);
        Assert.Equal([1, 2], notices.Select(n => n.FailedAttempt));
        Assert.All(notices, n => Assert.Equal(3, n.MaxAttempts));
        Assert.Equal("push failed #1", notices[0].Reason);
        Assert.Equal([TimeSpan.FromMilliseconds(10), TimeSpan.FromMilliseconds(20)], notices.Select(n => n.Delay));
    }

    [Fact]
    public async Task Run_WhenEveryTryFails_ThrowsTheLastFailureAfterThreeTries()
    {
        var tries = 0;

        var e = await Assert.ThrowsAsync<PodmanException>(async () => await Retry.Pipeline(Fast, _ => { }).ExecuteAsync(
            _ =>
            {
                tries++;
                throw new PodmanException($"failure {tries}");
            },
            CancellationToken.None));

        Assert.Equal(3, tries);
        Assert.Equal("failure 3", e.Message);
    }

    [Fact]
    public async Task Run_WhenBackoffPassesMaxDelay_WaitsMaxDelay()
    {
        var notices = new List<RetryNotice>();
        var policy = Fast with { Attempts = 5, MaxDelay = TimeSpan.FromMilliseconds(25) };

        await Assert.ThrowsAsync<PodmanException>(async () => await Retry.Pipeline(policy, notices.Add).ExecuteAsync(
            _ => throw new PodmanException("registry down"),
            CancellationToken.None));

        Assert.Equal([10, 20, 25, 25], notices.Select(n => (int)n.Delay.TotalMilliseconds));
    }

    [Fact]
    public async Task Run_WhenFailureIsNotAPodmanException_DoesNotRetry()
    {
        var tries = 0;

        await Assert.ThrowsAsync<ArgumentException>(async () => await Retry.Pipeline(Fast, _ => { }).ExecuteAsync(
            _ =>
            {
                tries++;
                throw new ArgumentException("bad reference");
            },
            CancellationToken.None));

        Assert.Equal(1, tries);
    }

    [Fact]
    public async Task Run_WhenCancelledDuringBackoff_StopsWithoutAnotherTry()
    {
        using var cts = new CancellationTokenSource();
        var tries = 0;
        var policy = Fast with { InitialDelay = TimeSpan.FromSeconds(30) };

        var run = Retry.Pipeline(policy, _ => cts.CancelAfter(50)).ExecuteAsync(
            _ =>
            {
                tries++;
                throw new PodmanException("registry down");
            },
            cts.Token);

        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await run);
        Assert.Equal(1, tries);
    }

    [Fact]
    public async Task Run_WhenCancelledDuringATry_ThrowsItsFailureWithoutANotice()
    {
        using var cts = new CancellationTokenSource();
        var notices = new List<RetryNotice>();
        var tries = 0;

        await Assert.ThrowsAsync<PodmanException>(async () => await Retry.Pipeline(Fast, notices.Add).ExecuteAsync(
            _ =>
            {
                tries++;
                cts.Cancel();
                throw new PodmanException("Pulling x failed: context canceled");
            },
            cts.Token));

        Assert.Equal(1, tries);
        Assert.Empty(notices);
    }

    [Theory]
    [InlineData("Pushing x failed: received unexpected HTTP status: 429 Too Many Requests", 300)]
    [InlineData("Pulling x failed: toomanyrequests: rate limit exceeded", 300)]
    [InlineData("Pulling x failed: rate limited, Retry-After: 1", 1000)]
    [InlineData("Pushing x failed: received unexpected HTTP status: 503 Service Unavailable", 10)]
    public async Task Run_WhenErrorTextSaysRateLimited_WaitsLonger(string message, int expectedMs)
    {
        var notices = new List<RetryNotice>();
        var tries = 0;

        await Retry.Pipeline(Fast, notices.Add).ExecuteAsync(
            _ => ++tries == 1 ? throw new PodmanException(message) : ValueTask.CompletedTask,
            CancellationToken.None);

        Assert.Equal(TimeSpan.FromMilliseconds(expectedMs), Assert.Single(notices).Delay);
    }

    [Fact]
    public void RateLimitDelay_WhenRetryAfterHeaderKnown_UsesItCappedAtMax()
    {
        Assert.Equal(TimeSpan.FromSeconds(1), Retry.RateLimitDelay(new PodmanException("x") { StatusCode = 429, RetryAfter = TimeSpan.FromSeconds(1) }, Fast));
        Assert.Equal(Fast.MaxDelay, Retry.RateLimitDelay(new PodmanException("x") { StatusCode = 429, RetryAfter = TimeSpan.FromHours(1) }, Fast));
        Assert.Equal(Fast.RateLimitedDelay, Retry.RateLimitDelay(new PodmanException("x") { StatusCode = 429 }, Fast));
        Assert.Null(Retry.RateLimitDelay(new PodmanException("x") { StatusCode = 500 }, Fast));
    }

    [Fact]
    public void Pipeline_WhenPolicyAllowsOneTry_IsRefused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => Retry.Pipeline(Fast with { Attempts = 1 }, _ => { }));
    }
}
