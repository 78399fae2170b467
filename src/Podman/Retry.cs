using System.Globalization;
using System.Text.RegularExpressions;

namespace QuayBuilder.Podman;

/// <summary>
/// Tries a pull or push up to <see cref="RetryPolicy.Attempts"/> times with exponential backoff.
/// Rate limiting is honoured: a 429 (from the HTTP status or, since Podman reports registry
/// failures as text, from the error message) waits for Retry-After when it is known, else
/// <see cref="RetryPolicy.RateLimitedDelay"/>. Only <see cref="PodmanException"/> is retried, and
/// never a certificate failure (<see cref="PodmanException.IsCertificateFailure"/>), which fails the
/// same way every time; cancellation and programming errors pass through at once.
/// </summary>
public static partial class Retry
{
    public static async Task<T> RunAsync<T>(
        Func<int, CancellationToken, Task<T>> attempt,
        Action<RetryNotice> onRetry,
        RetryPolicy? policy,
        CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(attempt);
        ArgumentNullException.ThrowIfNull(onRetry);
        policy ??= RetryPolicy.Default;
        for (var number = 1; ; number++)
        {
            ct.ThrowIfCancellationRequested();
            try
            {
                return await attempt(number, ct).ConfigureAwait(false);
            }
            catch (PodmanException e) when (number < policy.Attempts && !e.IsCertificateFailure && !ct.IsCancellationRequested)
            {
                var delay = DelayAfter(e, number, policy);
                onRetry(new RetryNotice(number, policy.Attempts, delay, e.Message));
                await Task.Delay(delay, ct).ConfigureAwait(false);
            }
        }
    }

    public static Task RunAsync(
        Func<int, CancellationToken, Task> attempt,
        Action<RetryNotice> onRetry,
        RetryPolicy? policy,
        CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(attempt);
        return RunAsync(
            async (number, token) =>
            {
                await attempt(number, token).ConfigureAwait(false);
                return true;
            },
            onRetry,
            policy,
            ct);
    }

    /// <summary>The wait after try <paramref name="failedAttempt"/> (1-based) failed with <paramref name="failure"/>.</summary>
    internal static TimeSpan DelayAfter(PodmanException failure, int failedAttempt, RetryPolicy policy)
    {
        var backoff = policy.InitialDelay * Math.Pow(2, failedAttempt - 1);
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
            delay = backoff;
        }

        return delay > policy.MaxDelay ? policy.MaxDelay : delay;
    }

    [GeneratedRegex(@"Retry-After:?\s*(\d{1,5})", RegexOptions.IgnoreCase)]
    private static partial Regex RetryAfterText();

    [GeneratedRegex(@"\b429\b|too many requests|toomanyrequests", RegexOptions.IgnoreCase)]
    private static partial Regex TooManyRequestsText();
}
