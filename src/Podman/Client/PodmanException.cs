namespace QuayBuilder.Podman;

/// <summary>
/// A container-runtime operation failed. The message names what failed and what to do
/// about it, and is safe to show to the user: it never contains credentials.
/// </summary>
public sealed class PodmanException : Exception
{
    public PodmanException()
    {
    }

    public PodmanException(string message)
        : base(message)
    {
    }

    public PodmanException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }

    /// <summary>HTTP status of the failed request, when the failure was an HTTP answer.</summary>
    public int? StatusCode { get; init; }

    /// <summary>The service's Retry-After, when it sent one (429/503).</summary>
    public TimeSpan? RetryAfter { get; init; }

    /// <summary>
    /// The registry's TLS certificate was not accepted (unknown CA, expired, wrong name). Not
    /// retried: it fails the same way until the CA is trusted.
    /// </summary>
    public bool IsCertificateFailure { get; init; }
}
