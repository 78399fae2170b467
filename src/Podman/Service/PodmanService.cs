using System.Diagnostics;

namespace QuayBuilder.Podman;

/// <summary>
/// A <c>podman system service --time=0</c> run as a child of the worker (EXECUTOR=kubernetesPodman
/// with no socket, as the Go image's entrypoint script does). Stopping it also stops any build it
/// is running: the service is sent SIGTERM, and every process it had started (a RUN step's
/// processes outlive the service otherwise) is killed after <see cref="PodmanServiceOptions.StopGrace"/>.
/// </summary>
public sealed class PodmanService : IAsyncDisposable
{
    private const int TailLines = 20;

    private readonly Process _process;
    private readonly PodmanServiceOptions _options;
    private readonly Queue<string> _tail = new();
    private StreamWriter? _log;
    private readonly Lock _outputLock = new();
    private int _stopped;

    private PodmanService(Process process, PodmanServiceOptions options, StreamWriter? log)
    {
        _process = process;
        _options = options;
        _log = log;
    }

    public string SocketPath => _options.SocketPath;

    /// <summary>The pid of the started command (Podman, or the first word of the command prefix).</summary>
    public int ProcessId => _process.Id;

    public bool HasExited => _process.HasExited;

    public static Task<PodmanService> StartAsync(string socketPath, TimeSpan wait, CancellationToken ct) =>
        StartAsync(new PodmanServiceOptions { SocketPath = socketPath }, wait, ct);

    /// <summary>Starts the service and returns once its socket answers <c>/_ping</c>.</summary>
    /// <exception cref="PodmanException">The service exited or did not answer within <paramref name="wait"/>; the message carries its last output lines.</exception>
    public static async Task<PodmanService> StartAsync(PodmanServiceOptions options, TimeSpan wait, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(options);
        var socketPath = options.SocketPath;
        if (Path.GetDirectoryName(socketPath) is { Length: > 0 } dir)
        {
            Directory.CreateDirectory(dir);
        }

        if (await ContainerSocket.DiscoverAsync([socketPath], TimeSpan.Zero, ct).ConfigureAwait(false) is not null)
        {
            throw new PodmanException(
                $"Cannot start a Podman service on {socketPath}: another service already answers there. " +
                "Use that socket (DOCKER_HOST) or choose another path.");
        }

        // A socket file nobody answers on is left over from a service that died; podman would refuse to bind.
        File.Delete(socketPath);

        var start = new ProcessStartInfo
        {
            FileName = options.CommandPrefix.Count > 0 ? options.CommandPrefix[0] : options.PodmanPath,
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
        };
        foreach (var word in options.CommandPrefix.Skip(1))
        {
            start.ArgumentList.Add(word);
        }

        if (options.CommandPrefix.Count > 0)
        {
            start.ArgumentList.Add(options.PodmanPath);
        }

        AddOption(start, "--root", options.StorageRoot);
        AddOption(start, "--runroot", options.RunRoot);
        AddOption(start, "--storage-driver", options.StorageDriver);
        AddOption(start, "--log-level", options.LogLevel);
        start.ArgumentList.Add("system");
        start.ArgumentList.Add("service");
        start.ArgumentList.Add("--time=0");
        start.ArgumentList.Add($"unix://{socketPath}");
        foreach (var (name, value) in options.Environment)
        {
            if (value is null)
            {
                start.Environment.Remove(name);
            }
            else
            {
                start.Environment[name] = value;
            }
        }

        var log = options.LogPath is null ? null : new StreamWriter(options.LogPath, append: true) { AutoFlush = true };
        Process process;
        try
        {
            process = Process.Start(start) ?? throw new PodmanException($"Starting {start.FileName} failed.");
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            log?.Dispose();
            throw new PodmanException(
                $"Cannot start the Podman service: '{start.FileName}' could not be run ({e.Message}). Install Podman or fix PATH.", e);
        }

        var service = new PodmanService(process, options, log);
        process.OutputDataReceived += (_, e) => service.OnOutput(e.Data);
        process.ErrorDataReceived += (_, e) => service.OnOutput(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        process.StandardInput.Close();

        try
        {
            await service.WaitUntilAnsweringAsync(wait, ct).ConfigureAwait(false);
            return service;
        }
        catch
        {
            await service.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>
    /// Stops the service and everything it started: SIGTERM, then after the grace period SIGKILL
    /// for the service and for any process it had started that is still alive. Idempotent.
    /// </summary>
    public async Task StopAsync(CancellationToken ct)
    {
        if (Interlocked.Exchange(ref _stopped, 1) != 0)
        {
            return;
        }

        if (!_process.HasExited)
        {
            var descendants = ProcessTree.Descendants(_process.Id);
            NativeSignals.Send(_process.Id, NativeSignals.SigTerm);
            using (var grace = CancellationTokenSource.CreateLinkedTokenSource(ct))
            {
                grace.CancelAfter(_options.StopGrace);
                try
                {
                    await _process.WaitForExitAsync(grace.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    _process.Kill(entireProcessTree: true);
                }
            }

            foreach (var (pid, startTime) in descendants)
            {
                if (ProcessTree.IsSameProcessAlive(pid, startTime))
                {
                    NativeSignals.Send(pid, NativeSignals.SigKill);
                }
            }
        }

        await _process.WaitForExitAsync(CancellationToken.None).ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync(CancellationToken.None).ConfigureAwait(false);
        _process.Dispose();
        lock (_outputLock)
        {
            _log?.Dispose();
            _log = null;
        }
    }

    private static void AddOption(ProcessStartInfo start, string name, string? value)
    {
        if (!string.IsNullOrEmpty(value))
        {
            start.ArgumentList.Add(name);
            start.ArgumentList.Add(value);
        }
    }

    private async Task WaitUntilAnsweringAsync(TimeSpan wait, CancellationToken ct)
    {
        var deadline = DateTimeOffset.UtcNow + wait;
        while (true)
        {
            if (await ContainerSocket.DiscoverAsync([SocketPath], TimeSpan.Zero, ct).ConfigureAwait(false) is not null)
            {
                return;
            }

            if (_process.HasExited)
            {
                throw new PodmanException(
                    $"The Podman service exited with code {_process.ExitCode} before {SocketPath} answered. Its last output: {Tail()}");
            }

            if (DateTimeOffset.UtcNow >= deadline)
            {
                throw new PodmanException(
                    $"The Podman service did not answer on {SocketPath} within {wait.TotalSeconds:0} s. Its last output: {Tail()}");
            }

            await Task.Delay(TimeSpan.FromMilliseconds(100), ct).ConfigureAwait(false);
        }
    }

    private void OnOutput(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_outputLock)
        {
            _tail.Enqueue(line);
            if (_tail.Count > TailLines)
            {
                _tail.Dequeue();
            }

            _log?.WriteLine(line);
        }
    }

    private string Tail()
    {
        lock (_outputLock)
        {
            return _tail.Count == 0 ? "(none)" : string.Join(" | ", _tail);
        }
    }
}
