namespace QuayBuilder;

/// <summary>
/// Exponential backoff without jitter: the wait before retry n (0 = the first retry) is
/// <see cref="First"/>·2ⁿ, never more than <see cref="Last"/>. Polly's own
/// <c>DelayBackoffType.Exponential</c> with <c>UseJitter = false</c> waits the same.
/// </summary>
internal readonly record struct BackoffSchedule(TimeSpan First, TimeSpan Last)
{
    public TimeSpan DelayBefore(int retry)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(retry);

        // Past 2^30 the cap has long been reached; the shift would overflow.
        var ms = First.TotalMilliseconds * (1L << Math.Min(retry, 30));
        return ms >= Last.TotalMilliseconds ? Last : TimeSpan.FromMilliseconds(ms);
    }
}
