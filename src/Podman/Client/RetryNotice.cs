namespace QuayBuilder.Podman;

/// <summary>
/// One failed try that will be retried: which try failed, how long until the next one, and
/// why (the failure's message, which never contains credentials).
/// </summary>
public readonly record struct RetryNotice(int FailedAttempt, int MaxAttempts, TimeSpan Delay, string Reason);
