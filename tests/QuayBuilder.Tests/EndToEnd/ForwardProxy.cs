using System.Diagnostics;
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
    private readonly ProxyOrigin _origin;
    private readonly StringBuilder _log = new();
    private readonly TaskCompletionSource _accepting = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly DirectoryInfo _dir;

    private ForwardProxy(Process proxy, ProxyOrigin origin, DirectoryInfo dir, int port)
    {
        _proxy = proxy;
        _origin = origin;
        _dir = dir;
        Port = port;
    }

    public int Port { get; }

    /// <summary>http://127.0.0.1:port</summary>
    public string Url => $"http://127.0.0.1:{Port}";

    /// <summary>A URL on the origin; fetching it prints <see cref="OriginAnswer"/>.</summary>
    public string OriginUrl(string path) => $"http://127.0.0.2:{_origin.Port}/{path}";

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
        var port = LoopbackPort.Free();
        var config = Path.Join(dir.FullName, "tinyproxy.conf");
        await File.WriteAllTextAsync(config, $"Port {port}\nListen 127.0.0.1\nTimeout 30\nLogLevel Info\nMaxClients 20\nAllow 127.0.0.1\n");
        var origin = new ProxyOrigin();
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
        try
        {
            await created._accepting.Task.WaitAsync(TimeSpan.FromSeconds(10));
        }
        catch (TimeoutException)
        {
            var log = created.Log;
            await created.DisposeAsync();
            throw new InvalidOperationException($"tinyproxy did not start on {port} within 10 s: {log}");
        }

        return created;
    }

    public async ValueTask DisposeAsync()
    {
        await _origin.DisposeAsync();
        if (!_proxy.HasExited)
        {
            _proxy.Kill();
            await _proxy.WaitForExitAsync();
        }

        _proxy.Dispose();
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

            if (line.Contains("Accepting connections", StringComparison.Ordinal))
            {
                _accepting.TrySetResult();
            }
        }
    }
}
