namespace QuayBuilder.Podman.Tests;

public sealed class RetryTests
{
    private static readonly RetryPolicy Fast = new()
    {
        InitialDelay = TimeSpan.FromMilliseconds(10),
        RateLimitedDelay = TimeSpan.FromMilliseconds(300),
        MaxDelay = TimeSpan.FromSeconds(2),
    };

    [Fact]
    public async Task Run_WhenFirstTwoTriesFail_SucceedsOnThirdAndReportsTwoRetries()
    {
        var notices = new List<RetryNotice>();
        var tries = 0;

        var result = await Retry.RunAsync(
            (number, _) =>
            {
                tries++;
                return number < 3 ? throw new PodmanException($"push failed #{number}") : Task.FromResult("pushed");
            },
            notices.Add,
            Fast,
            CancellationToken.None);

        Assert.Equal("pushed", result);
        Assert.Equal(3, tries);
        Assert.Equal([1, 2], notices.Select(n => n.FailedAttempt));
        Assert.Equal("push failed #1", notices[0].Reason);
        Assert.Equal(TimeSpan.FromMilliseconds(20), notices[1].Delay);
    }

    [Fact]
    public async Task Run_WhenEveryTryFails_ThrowsTheLastFailureAfterThreeTries()
    {
        var tries = 0;

        var e = await Assert.ThrowsAsync<PodmanException>(() => Retry.RunAsync(
            (number, _) =>
            {
                tries++;
                throw new PodmanException($"failure {number}");
            },
            _ => { },
            Fast,
            CancellationToken.None));

        Assert.Equal(3, tries);
        Assert.Equal("failure 3", e.Message);
    }

    [Fact]
    public async Task Run_WhenFailureIsNotAPodmanException_DoesNotRetry()
    {
        var tries = 0;

        await Assert.ThrowsAsync<ArgumentException>(() => Retry.RunAsync(
            (_, _) =>
            {
                tries++;
                throw new ArgumentException("bad reference");
            },
            _ => { },
            Fast,
            CancellationToken.None));

        Assert.Equal(1, tries);
    }

    [Fact]
    public async Task Run_WhenCancelledDuringBackoff_StopsWithoutAnotherTry()
    {
        using var cts = new CancellationTokenSource();
        var tries = 0;
        var policy = Fast with { InitialDelay = TimeSpan.FromSeconds(30) };

        var run = Retry.RunAsync(
            (_, _) =>
            {
                tries++;
                throw new PodmanException("registry down");
            },
            _ => cts.CancelAfter(50),
            policy,
            cts.Token);

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => run);
        Assert.Equal(1, tries);
    }

    [Theory]
    [InlineData("Pushing x failed: received unexpected HTTP status: 429 Too Many Requests", 300)]
    [InlineData("Pulling x failed: toomanyrequests: rate limit exceeded", 300)]
    [InlineData("Pulling x failed: rate limited, Retry-After: 1", 1000)]
    [InlineData("Pushing x failed: received unexpected HTTP status: 503 Service Unavailable", 10)]
    public void DelayAfter_WhenErrorTextSaysRateLimited_WaitsLonger(string message, int expectedMs)
    {
        var delay = Retry.DelayAfter(new PodmanException(message), 1, Fast);

        Assert.Equal(TimeSpan.FromMilliseconds(expectedMs), delay);
    }

    [Fact]
    public void DelayAfter_WhenRetryAfterHeaderKnown_UsesItCappedAtMax()
    {
        Assert.Equal(TimeSpan.FromSeconds(1), Retry.DelayAfter(new PodmanException("x") { StatusCode = 429, RetryAfter = TimeSpan.FromSeconds(1) }, 1, Fast));
        Assert.Equal(Fast.MaxDelay, Retry.DelayAfter(new PodmanException("x") { StatusCode = 429, RetryAfter = TimeSpan.FromHours(1) }, 1, Fast));
    }
}
