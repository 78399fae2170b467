using System.Net;
using System.Net.Http.Headers;

namespace QuayBuilder.Podman;

/// <summary>
/// A request body produced while it is sent (chunked): the build context tar is written
/// straight into the connection, never into a temp file. A failure of the writer is kept
/// so the caller can rethrow it as itself instead of as a transport error.
/// </summary>
internal sealed class ContextContent : HttpContent
{
    private readonly Func<Stream, CancellationToken, Task> _write;

    internal ContextContent(Func<Stream, CancellationToken, Task> write)
    {
        _write = write;
        Headers.ContentType = new MediaTypeHeaderValue("application/x-tar");
    }

    internal Exception? WriterFailure { get; private set; }

    protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) =>
        SerializeToStreamAsync(stream, context, CancellationToken.None);

    protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context, CancellationToken cancellationToken)
    {
        try
        {
            await _write(stream, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            WriterFailure = e;
            throw;
        }
    }

    protected override bool TryComputeLength(out long length)
    {
        length = 0;
        return false;
    }
}
