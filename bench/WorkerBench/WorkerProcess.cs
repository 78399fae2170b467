using System.Diagnostics;
using System.Text;

namespace QuayBuilder.WorkerBench;

/// <summary>
/// One worker process with a clean environment (as Quay's executors start it), its output kept
/// for diagnostics, and its memory sampled from /proc/PID/status while it runs.
/// </summary>
internal sealed class WorkerProcess : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private readonly CancellationTokenSource _stopSampling = new();
    private readonly Task _sampler;
    private long _peakRssKb;
    private long _peakHwmKb;

    private WorkerProcess(Process process, long startTimestamp)
    {
        _process = process;
        StartTimestamp = startTimestamp;
        _sampler = Task.Run(SampleAsync);
    }

    /// <summary>Stopwatch timestamp taken just before Process.Start.</summary>
    public long StartTimestamp { get; }

    public int Id => _process.Id;

    /// <summary>Highest VmHWM (the kernel's own peak RSS) seen while the process ran, in KiB.</summary>
    public long PeakHwmKb => Math.Max(Interlocked.Read(ref _peakHwmKb), Interlocked.Read(ref _peakRssKb));

    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    public static WorkerProcess Start(string binary, IReadOnlyDictionary<string, string> environment)
    {
        var info = new ProcessStartInfo(binary)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        info.Environment.Clear();
        foreach (var key in new[] { "PATH", "HOME", "TMPDIR", "DOTNET_ROOT" })
        {
            if (Environment.GetEnvironmentVariable(key) is { } value)
            {
                info.Environment[key] = value;
            }
        }

        foreach (var (key, value) in environment)
        {
            info.Environment[key] = value;
        }

        var process = new Process { StartInfo = info };
        var started = Stopwatch.GetTimestamp();
        process.Start();
        var worker = new WorkerProcess(process, started);
        process.OutputDataReceived += (_, e) => worker.Append(e.Data);
        process.ErrorDataReceived += (_, e) => worker.Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        process.StandardInput.Close();
        return worker;
    }

    /// <summary>VmRSS and VmHWM now, in KiB; null once the process is gone.</summary>
    public (long RssKb, long HwmKb)? ReadMemory()
    {
        string[] lines;
        try
        {
            lines = File.ReadAllLines($"/proc/{_process.Id}/status");
        }
        catch (IOException)
        {
            return null;
        }

        long rss = 0, hwm = 0;
        foreach (var line in lines)
        {
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
            {
                rss = ParseKb(line);
            }
            else if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
            {
                hwm = ParseKb(line);
            }
        }

        // A zombie has no memory lines left.
        return rss == 0 && hwm == 0 ? null : (rss, hwm);
    }

    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var deadline = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
            throw new TimeoutException($"the worker did not finish within {timeout.TotalSeconds} s; its output:\n{Output}");
        }

        _process.WaitForExit();
        await _stopSampling.CancelAsync();
        await _sampler;
        return _process.ExitCode;
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit();
        }

        _stopSampling.Cancel();
        _sampler.Wait();
        _stopSampling.Dispose();
        _process.Dispose();
    }

    private static long ParseKb(string line) =>
        long.Parse(line.AsSpan(line.IndexOf(':') + 1).Trim().TrimEnd("kB").Trim(), System.Globalization.CultureInfo.InvariantCulture);

    private void Append(string? line)
    {
        if (line is not null)
        {
            lock (_output)
            {
                _output.AppendLine(line);
            }
        }
    }

    // VmHWM is the kernel's running peak, so a coarse sampling interval loses nothing but the
    // last few milliseconds before exit.
    private async Task SampleAsync()
    {
        while (!_stopSampling.IsCancellationRequested)
        {
            if (ReadMemory() is { } memory)
            {
                InterlockedMax(ref _peakRssKb, memory.RssKb);
                InterlockedMax(ref _peakHwmKb, memory.HwmKb);
            }

            try
            {
                await Task.Delay(10, _stopSampling.Token);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private static void InterlockedMax(ref long target, long value)
    {
        long current;
        while ((current = Interlocked.Read(ref target)) < value && Interlocked.CompareExchange(ref target, value, current) != current)
        {
        }
    }
}
