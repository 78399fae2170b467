namespace QuayBuilder.Registry;

/// <summary>The registry could not tell a tag's digest; the message says why (never a credential).</summary>
internal sealed class RegistryLookupException(string message, Exception? innerException = null) : Exception(message, innerException);
