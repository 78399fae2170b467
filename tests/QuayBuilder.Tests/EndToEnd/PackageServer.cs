using System.Net;

namespace QuayBuilder.Tests.EndToEnd;

/// <summary>Serves build packages over loopback HTTP, as a pre-signed storage URL would.</summary>
internal sealed class PackageServer : LoopbackHttpListener
{
    private readonly Dictionary<string, (byte[] Body, string ContentType)> _files = new(StringComparer.Ordinal);

    public PackageServer()
    {
        StartServing();
    }

    public int Requests;

    /// <summary>Adds a file; returns its URL, with a fake signature in the query as storage URLs carry.</summary>
    public string Add(string name, byte[] body, string contentType = "application/octet-stream")
    {
        lock (_files)
        {
            _files["/" + name] = (body, contentType);
        }

        return $"http://127.0.0.1:{Port}/{name}?X-Amz-Signature=presigned-SECRET-{Guid.NewGuid():N}";
    }

    protected override async Task HandleAsync(HttpListenerContext context)
    {
        Interlocked.Increment(ref Requests);
        (byte[] Body, string ContentType) file;
        bool found;
        lock (_files)
        {
            found = _files.TryGetValue(context.Request.Url!.AbsolutePath, out file);
        }

        using var response = context.Response;
        if (!found)
        {
            response.StatusCode = 404;
            return;
        }

        response.ContentType = file.ContentType;
        response.ContentLength64 = file.Body.Length;
        await response.OutputStream.WriteAsync(file.Body);
    }
}
