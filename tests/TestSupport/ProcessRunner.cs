using System.Diagnostics;
using System.Text;

namespace QuayBuilder.TestSupport;

/// <summary>Runs a program to completion, capturing its output. The one way tests start a process and wait for it.</summary>
public static class ProcessRunner
{
    /// <param name="clearEnvironment">Starts from PATH, HOME, LANG and TMPDIR only, so the host's variables cannot leak in.</param>
    /// <param name="started">Called once the process runs (for signals sent by the test).</param>
    /// <param name="outputLine">Called with every line of stdout and stderr as it arrives, so a test can act on an event instead of a guessed time.</param>
    public static async Task<ProcessResult> RunAsync(
        string fileName,
        IEnumerable<string> arguments,
        IDictionary<string, string?>? environment = null,
        TimeSpan? timeout = null,
        bool clearEnvironment = false,
        Action<Process>? started = null,
        string? workingDirectory = null,
        Action<string>? outputLine = null)
    {
        var info = new ProcessStartInfo(fileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        if (workingDirectory is not null)
        {
            info.WorkingDirectory = workingDirectory;
        }

        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        if (clearEnvironment)
        {
            foreach (var key in info.Environment.Keys.ToList())
            {
                if (key is not ("PATH" or "HOME" or "LANG" or "TMPDIR"))
                {
                    info.Environment.Remove(key);
                }
            }
        }

        foreach (var (key, value) in environment ?? new Dictionary<string, string?>())
        {
            info.Environment[key] = value;
        }

        using var process = new Process { StartInfo = info };
        var stdout = new StringBuilder();
        var stderr = new StringBuilder();
        process.OutputDataReceived += (_, e) => Collect(stdout, e.Data, outputLine);
        process.ErrorDataReceived += (_, e) => Collect(stderr, e.Data, outputLine);
        var watch = Stopwatch.StartNew();
        process.Start();
        process.StandardInput.Close();
        // Before reading begins, so an outputLine callback can rely on what started recorded.
        started?.Invoke(process);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var limit = timeout ?? TimeSpan.FromMinutes(5);
        using var cts = new CancellationTokenSource(limit);
        try
        {
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
            throw new TimeoutException($"{fileName} did not finish within {limit}: stdout: {Text(stdout)} stderr: {Text(stderr)}");
        }

        // The parameterless wait also waits for the redirected output to be read to its end.
        process.WaitForExit();
        return new ProcessResult(process.ExitCode, Text(stdout), Text(stderr), watch.Elapsed);
    }

    /// <summary>Runs a set-up command that must succeed; returns its stdout.</summary>
    public static async Task<string> RunCheckedAsync(
        string fileName, IEnumerable<string> arguments, IDictionary<string, string?>? environment = null, TimeSpan? timeout = null, string? workingDirectory = null)
    {
        var list = arguments.ToList();
        var result = await RunAsync(fileName, list, environment, timeout ?? TimeSpan.FromMinutes(3), workingDirectory: workingDirectory);
        if (result.ExitCode != 0)
        {
            throw new InvalidOperationException($"{fileName} {string.Join(' ', list)} failed: {result}");
        }

        return result.Stdout;
    }

    private static void Collect(StringBuilder into, string? line, Action<string>? outputLine)
    {
        if (line is null)
        {
            return;
        }

        lock (into)
        {
            into.AppendLine(line);
        }

        outputLine?.Invoke(line);
    }

    private static string Text(StringBuilder builder)
    {
        lock (builder)
        {
            return builder.ToString();
        }
    }
}
