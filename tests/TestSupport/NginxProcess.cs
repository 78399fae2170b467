using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace QuayBuilder.TestSupport;

/// <summary>
/// A real nginx (Debian's, installed by scripts/prereqs) in the foreground, in a directory of its
/// own: the caller gives the <c>server</c> blocks, this writes everything around them (logs, pid,
/// temp paths), starts it, waits until it listens, and on dispose kills it and deletes the directory.
/// </summary>
public sealed class NginxProcess : IAsyncDisposable
{
    private readonly Process _process;

    private NginxProcess(Process process, string directory, int port)
    {
        _process = process;
        Directory = directory;
        Port = port;
    }

    /// <summary>nginx's prefix: its configuration, logs and temp files; the caller may put files here first.</summary>
    public string Directory { get; }

    /// <summary>The port the server blocks listen on.</summary>
    public int Port { get; }

    public string ErrorLog => Read("error.log");

    public string AccessLog => Read("access.log");

    /// <summary>A fresh directory for <see cref="StartAsync"/>, made before it so files (certificates) can go in first.</summary>
    public static string NewDirectory(string prefix) => System.IO.Directory.CreateTempSubdirectory(prefix).FullName;

    /// <summary>Starts nginx in <paramref name="directory"/> with <paramref name="serverBlocks"/> (which listen on <paramref name="port"/>) inside <c>http { }</c>.</summary>
    public static async Task<NginxProcess> StartAsync(string directory, int port, string serverBlocks)
    {
        var nginx = new[] { "/usr/sbin/nginx", "/usr/bin/nginx" }.FirstOrDefault(File.Exists)
            ?? throw new InvalidOperationException("nginx is not installed: run scripts/prereqs (it installs Debian's nginx-light).");
        var user = Environment.UserName == "root" ? "user root;" : string.Empty;
        await File.WriteAllTextAsync(Path.Join(directory, "nginx.conf"), $$"""
            {{user}}
            daemon off;
            worker_processes 1;
            pid {{directory}}/nginx.pid;
            error_log {{directory}}/error.log info;
            events { worker_connections 256; }
            http {
                access_log {{directory}}/access.log;
                client_body_temp_path {{directory}}/client_body;
                proxy_temp_path {{directory}}/proxy;
                fastcgi_temp_path {{directory}}/fastcgi;
                uwsgi_temp_path {{directory}}/uwsgi;
                scgi_temp_path {{directory}}/scgi;
            {{serverBlocks}}
            }
            """);

        var info = new ProcessStartInfo(nginx) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in new[] { "-p", directory, "-c", Path.Join(directory, "nginx.conf"), "-e", Path.Join(directory, "error.log") })
        {
            info.ArgumentList.Add(argument);
        }

        var process = Process.Start(info) ?? throw new InvalidOperationException("nginx did not start");
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var started = new NginxProcess(process, directory, port);
        var watch = Stopwatch.StartNew();
        while (true)
        {
            if (process.HasExited)
            {
                var log = started.ErrorLog;
                await started.DisposeAsync();
                throw new InvalidOperationException($"nginx exited with {process.ExitCode} before it listened: {log}");
            }

            try
            {
                using var probe = new TcpClient();
                await probe.ConnectAsync(IPAddress.Loopback, port);
                return started;
            }
            catch (SocketException) when (watch.Elapsed < TimeSpan.FromSeconds(15))
            {
                await Task.Delay(100);
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            // SIGKILL for the master and its worker: nothing of nginx's needs to survive the test.
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private string Read(string log) => File.Exists(Path.Join(Directory, log)) ? File.ReadAllText(Path.Join(Directory, log)) : string.Empty;
}
