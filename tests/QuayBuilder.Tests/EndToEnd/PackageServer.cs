using System.Net;
using System.Net.Sockets;

namespace QuayBuilder.Tests.EndToEnd;

/// <summary>Serves build packages over loopback HTTP, as a pre-signed storage URL would.</summary>
internal sealed class PackageServer : IAsyncDisposable
{
    private readonly HttpListener _listener = new();
    private readonly Dictionary<string, (byte[] Body, string ContentType)> _files = new(StringComparer.Ordinal);
    private readonly Task _loop;

    public PackageServer()
    {
        Port = LoopbackPort.Free();
        _listener.Prefixes.Add($"http://127.0.0.1:{Port}/");
        _listener.Start();
        _loop = Task.Run(ServeAsync);
    }

    public int Port { get; }

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

    public async ValueTask DisposeAsync()
    {
        _listener.Stop();
        _listener.Close();
        try
        {
            await _loop;
        }
        catch (Exception e) when (e is HttpListenerException or ObjectDisposedException)
        {
        }
    }

    private async Task ServeAsync()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                return;
            }

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
                continue;
            }

            response.ContentType = file.ContentType;
            response.ContentLength64 = file.Body.Length;
            await response.OutputStream.WriteAsync(file.Body);
        }
    }
}
