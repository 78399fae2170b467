namespace QuayBuilder.Registry;

/// <summary>A registry request failed. The message names the request and the answer, never a credential.</summary>
internal sealed class RegistryException : Exception
{
    public RegistryException()
    {
    }

    public RegistryException(string message)
        : base(message)
    {
    }

    public RegistryException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }

    /// <summary>HTTP status of the answer, when there was one.</summary>
    public int? StatusCode { get; init; }
}
