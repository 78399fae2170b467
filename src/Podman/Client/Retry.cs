using System.Globalization;
using System.Text.RegularExpressions;
using Polly;
using Polly.Retry;

namespace QuayBuilder.Podman;

/// <summary>
/// The retry of a pull or push, as a Polly pipeline on the caller's <see cref="RetryPolicy"/>:
/// up to <see cref="RetryPolicy.Attempts"/> tries with exponential backoff. Rate limiting is
/// honoured: a 429 (from the HTTP status or, since Podman reports registry failures as text, from
/// the error message) waits for Retry-After when it is known, else
/// <see cref="RetryPolicy.RateLimitedDelay"/>. Only <see cref="PodmanException"/> is retried, and
/// never a certificate failure (<see cref="PodmanException.IsCertificateFailure"/>), which fails the
/// same way every time; cancellation and programming errors pass through at once, and the last
/// failure is thrown as it is.
/// </summary>
public static partial class Retry
{
    /// <summary>
    /// A pipeline that retries pulls and pushes on <paramref name="policy"/>; <paramref name="onRetry"/>
    /// hears of every failed try that will be tried again, before the wait.
    /// </summary>
    public static ResiliencePipeline Pipeline(RetryPolicy policy, Action<RetryNotice> onRetry)
    {
        ArgumentNullException.ThrowIfNull(policy);
        ArgumentNullException.ThrowIfNull(onRetry);
        ArgumentOutOfRangeException.ThrowIfLessThan(policy.Attempts, 2);
        return new ResiliencePipelineBuilder()
            .AddRetry(new RetryStrategyOptions
            {
                MaxRetryAttempts = policy.Attempts - 1,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = false,
                Delay = policy.InitialDelay,
                MaxDelay = policy.MaxDelay,
                ShouldHandle = args => ValueTask.FromResult(
                    args.Outcome.Exception is PodmanException { IsCertificateFailure: false } && !args.Context.CancellationToken.IsCancellationRequested),
                DelayGenerator = args => ValueTask.FromResult(
                    args.Outcome.Exception is PodmanException failure ? RateLimitDelay(failure, policy) : null),
                OnRetry = args =>
                {
                    onRetry(new RetryNotice(args.AttemptNumber + 1, policy.Attempts, args.RetryDelay, args.Outcome.Exception?.Message ?? string.Empty));
                    return ValueTask.CompletedTask;
                },
            })
            .Build();
    }

    /// <summary>
    /// How long a rate-limited registry asked to wait (capped at <see cref="RetryPolicy.MaxDelay"/>),
    /// or null when <paramref name="failure"/> was no rate limit and the backoff applies.
    /// </summary>
    internal static TimeSpan? RateLimitDelay(PodmanException failure, RetryPolicy policy)
    {
        TimeSpan delay;
        if (failure.RetryAfter is { } given && given > TimeSpan.Zero)
        {
            delay = given;
        }
        else if (RetryAfterText().Match(failure.Message) is { Success: true } match)
        {
            delay = TimeSpan.FromSeconds(int.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture));
        }
        else if (failure.StatusCode == 429 || TooManyRequestsText().IsMatch(failure.Message))
        {
            delay = policy.RateLimitedDelay;
        }
        else
        {
            return null;
        }

        return delay > policy.MaxDelay ? policy.MaxDelay : delay;
    }

    [GeneratedRegex(@"Retry-After:?\s*(\d{1,5})", RegexOptions.IgnoreCase)]
    private static partial Regex RetryAfterText();

    [GeneratedRegex(@"\b429\b|too many requests|toomanyrequests", RegexOptions.IgnoreCase)]
    private static partial Regex TooManyRequestsText();
}
