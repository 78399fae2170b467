namespace QuayBuilder.Podman;

/// <summary>
/// How <see cref="Retry"/> spaces the tries of a pull or push. The caller states every value
/// (the worker's are in its <c>Backoff</c>): this library knows which failures are worth another
/// try, not how patient its caller is.
/// </summary>
public sealed record RetryPolicy
{
    /// <summary>Total tries, the first included; at least 2.</summary>
    public required int Attempts { get; init; }

    /// <summary>Wait before the second try; doubles for each further try.</summary>
    public required TimeSpan InitialDelay { get; init; }

    /// <summary>Wait after a rate-limited (429) try when the registry gave no Retry-After.</summary>
    public required TimeSpan RateLimitedDelay { get; init; }

    /// <summary>No wait is longer than this, whatever Retry-After says: a build must not hang on it.</summary>
    public required TimeSpan MaxDelay { get; init; }
}
