using System.Net;
using System.Net.Sockets;
using System.Text;

namespace QuayBuilder.Bench.Extraction;

/// <summary>
/// Serves files from one directory over loopback HTTP/1.1 with sendfile, so the server
/// costs the bench process almost no CPU or memory. One request per connection.
/// </summary>
internal sealed class FileServer : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly string _directory;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;

    public FileServer(string directory)
    {
        _directory = directory;
        _listener.Start();
        _loop = AcceptAsync();
    }

    public Uri Url(string file) => new($"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}/{file}?X-Amz-Signature=bench");

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        try
        {
            await _loop;
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException)
        {
        }

        _stop.Dispose();
    }

    private async Task AcceptAsync()
    {
        while (true)
        {
            var socket = await _listener.AcceptSocketAsync(_stop.Token);
            _ = ServeAsync(socket);
        }
    }

    private async Task ServeAsync(Socket socket)
    {
        using (socket)
        {
            var request = new StringBuilder();
            var buffer = new byte[4096];
            while (!request.ToString().Contains("\r\n\r\n", StringComparison.Ordinal))
            {
                var read = await socket.ReceiveAsync(buffer, _stop.Token);
                if (read == 0)
                {
                    return;
                }

                request.Append(Encoding.ASCII.GetString(buffer, 0, read));
            }

            var target = request.ToString().Split(' ')[1].Split('?')[0].TrimStart('/');
            var path = Path.Join(_directory, Path.GetFileName(target));
            var length = new FileInfo(path).Length;
            var head = $"HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nContent-Length: {length}\r\nConnection: close\r\n\r\n";
            await socket.SendAsync(Encoding.ASCII.GetBytes(head), _stop.Token);
            await socket.SendFileAsync(path, _stop.Token);
            socket.Shutdown(SocketShutdown.Send);
        }
    }
}
