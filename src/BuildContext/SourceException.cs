namespace QuayBuilder.BuildContext;

/// <summary>
/// A build source could not be turned into a build context. The message is shown to the
/// user in the build log as it is: it names what went wrong and, where it can, what to do.
/// It never contains a secret (URL query strings, keys, tokens).
/// </summary>
public sealed class SourceException : Exception
{
    public SourceException(string message)
        : base(message)
    {
    }

    public SourceException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }
}
