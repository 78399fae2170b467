namespace QuayBuilder.Podman;

/// <summary>How <see cref="Retry"/> spaces its tries.</summary>
public sealed record RetryPolicy
{
    /// <summary>3 tries, 2 s then 4 s apart; 30 s after a 429 without Retry-After.</summary>
    public static RetryPolicy Default { get; } = new();

    /// <summary>Total tries, the first included.</summary>
    public int Attempts { get; init; } = 3;

    /// <summary>Wait before the second try; doubles for each further try.</summary>
    public TimeSpan InitialDelay { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>Wait after a rate-limited (429) try when the registry gave no Retry-After.</summary>
    public TimeSpan RateLimitedDelay { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>No wait is longer than this, whatever Retry-After says: a build must not hang on it.</summary>
    public TimeSpan MaxDelay { get; init; } = TimeSpan.FromSeconds(120);
}
