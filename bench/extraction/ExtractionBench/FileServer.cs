using System.Net.Sockets;
using System.Text;
using QuayBuilder.TestSupport;

namespace QuayBuilder.Bench.Extraction;

/// <summary>
/// Serves files from one directory over loopback HTTP/1.1 with sendfile, so the server
/// costs the bench process almost no CPU or memory. One request per connection.
/// </summary>
internal sealed class FileServer : LoopbackServer
{
    private readonly string _directory;

    public FileServer(string directory)
    {
        _directory = directory;
        StartAccepting();
    }

    public Uri Url(string file) => new($"http://127.0.0.1:{Port}/{file}?X-Amz-Signature=bench");

    protected override async Task ServeAsync(Socket connection, CancellationToken cancellationToken)
    {
        var request = new StringBuilder();
        var buffer = new byte[4096];
        while (!request.ToString().Contains("\r\n\r\n", StringComparison.Ordinal))
        {
            var read = await connection.ReceiveAsync(buffer, cancellationToken);
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
        await connection.SendAsync(Encoding.ASCII.GetBytes(head), cancellationToken);
        await connection.SendFileAsync(path, cancellationToken);
        connection.Shutdown(SocketShutdown.Send);
    }
}
