using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace QuayBuilder.Tests.EndToEnd;

/// <summary>
/// Debian's tinyproxy on 127.0.0.1 (its log, which names every request, is kept in memory), and
/// an HTTP origin on 127.0.0.2 — a loopback address no NO_PROXY default covers, so a client
/// reaches it through the proxy only when it honours the proxy variables.
/// </summary>
internal sealed class ForwardProxy : IAsyncDisposable
{
    public const string OriginAnswer = "answered-through-the-proxy";

    private readonly Process _proxy;
    private readonly TcpListener _origin;
    private readonly Task _serving;
    private readonly CancellationTokenSource _stop = new();
    private readonly StringBuilder _log = new();
    private readonly DirectoryInfo _dir;

    private ForwardProxy(Process proxy, TcpListener origin, DirectoryInfo dir, int port)
    {
        _proxy = proxy;
        _origin = origin;
        _dir = dir;
        Port = port;
        _serving = ServeAsync();
    }

    public int Port { get; }

    /// <summary>http://127.0.0.1:port</summary>
    public string Url => $"http://127.0.0.1:{Port}";

    /// <summary>A URL on the origin; fetching it prints <see cref="OriginAnswer"/>.</summary>
    public string OriginUrl(string path) => $"http://127.0.0.2:{((IPEndPoint)_origin.LocalEndpoint).Port}/{path}";

    public string Log
    {
        get
        {
            lock (_log)
            {
                return _log.ToString();
            }
        }
    }

    public static async Task<ForwardProxy> StartAsync()
    {
        var dir = Directory.CreateTempSubdirectory("qb-tinyproxy-");
        var port = PrivateCaRegistry.FreePort();
        var config = Path.Join(dir.FullName, "tinyproxy.conf");
        await File.WriteAllTextAsync(config, $"Port {port}\nListen 127.0.0.1\nTimeout 30\nLogLevel Info\nMaxClients 20\nAllow 127.0.0.1\n");
        var origin = new TcpListener(IPAddress.Parse("127.0.0.2"), 0);
        origin.Start();
        var proxy = Process.Start(new ProcessStartInfo("tinyproxy")
        {
            ArgumentList = { "-d", "-c", config },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        }) ?? throw new InvalidOperationException("tinyproxy did not start (run scripts/prereqs)");
        var created = new ForwardProxy(proxy, origin, dir, port);
        proxy.OutputDataReceived += (_, e) => created.Append(e.Data);
        proxy.ErrorDataReceived += (_, e) => created.Append(e.Data);
        proxy.BeginOutputReadLine();
        proxy.BeginErrorReadLine();
        for (var i = 0; i < 100 && !created.Log.Contains("Accepting connections", StringComparison.Ordinal); i++)
        {
            await Task.Delay(100);
        }

        if (!created.Log.Contains("Accepting connections", StringComparison.Ordinal))
        {
            var log = created.Log;
            await created.DisposeAsync();
            throw new InvalidOperationException($"tinyproxy did not start on {port}: {log}");
        }

        return created;
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _origin.Stop();
        try
        {
            await _serving;
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
        {
        }

        if (!_proxy.HasExited)
        {
            _proxy.Kill();
            await _proxy.WaitForExitAsync();
        }

        _proxy.Dispose();
        _stop.Dispose();
        _dir.Delete(recursive: true);
    }

    private void Append(string? line)
    {
        if (line is not null)
        {
            lock (_log)
            {
                _log.AppendLine(line);
            }
        }
    }

    private async Task ServeAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            using var client = await _origin.AcceptTcpClientAsync(_stop.Token);
            await using var stream = client.GetStream();
            var buffer = new byte[4096];
            _ = await stream.ReadAsync(buffer, _stop.Token);
            var body = OriginAnswer + "\n";
            await stream.WriteAsync(Encoding.ASCII.GetBytes($"HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\nContent-Length: {body.Length}\r\nConnection: close\r\n\r\n{body}"), _stop.Token);
        }
    }
}
