using System.Diagnostics;
using System.Text;

namespace QuayBuilder.BuildContext;

/// <summary>
/// Runs one git (or ssh-keygen) process of a fetch: no shell, arguments as a list, the fetch's
/// private environment, stdin closed. Enforces the idle and total timeouts by killing the
/// process's whole group, and turns its stderr into masked, thinned build-log lines.
/// </summary>
internal sealed class GitProcessRunner
{
    private const int MaxKeptMessages = 40;
    private const int MaxOutputChars = 1 << 20;
    private static readonly TimeSpan PipeDrainGrace = TimeSpan.FromSeconds(5);

    // setsid makes the child a session and process-group leader without forking (a child of
    // .NET is never a group leader), so the pid we see is git's and also its group id.
    private static readonly string? SetsidPath =
        new[] { "/usr/bin/setsid", "/bin/setsid" }.FirstOrDefault(File.Exists);

    private readonly IReadOnlyDictionary<string, string?> _environment;
    private readonly GitOutputRedactor _redactor;
    private readonly IProgress<string> _log;
    private readonly TimeSpan _idleTimeout;
    private readonly long _startTimestamp;
    private readonly TimeSpan _totalTimeout;

    public GitProcessRunner(
        IReadOnlyDictionary<string, string?> environment,
        GitOutputRedactor redactor,
        IProgress<string> log,
        TimeSpan idleTimeout,
        TimeSpan totalTimeout)
    {
        _environment = environment;
        _redactor = redactor;
        _log = log;
        _idleTimeout = idleTimeout;
        _totalTimeout = totalTimeout;
        _startTimestamp = Stopwatch.GetTimestamp();
    }

    /// <summary>Time left of the total timeout, shared by every process of this fetch.</summary>
    public TimeSpan Remaining => _totalTimeout - Stopwatch.GetElapsedTime(_startTimestamp);

    public async Task<GitProcessResult> RunAsync(
        string program,
        IReadOnlyList<string> arguments,
        string workingDirectory,
        bool logMessages,
        CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (Remaining <= TimeSpan.Zero)
        {
            return new GitProcessResult(-1, GitTimeout.Total, string.Empty, []);
        }

        var startInfo = new ProcessStartInfo
        {
            FileName = SetsidPath ?? program,
            WorkingDirectory = workingDirectory,
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
        };
        if (SetsidPath is not null)
        {
            startInfo.ArgumentList.Add(program);
        }

        foreach (string argument in arguments)
        {
            startInfo.ArgumentList.Add(argument);
        }

        foreach ((string name, string? value) in _environment)
        {
            if (value is null)
            {
                startInfo.Environment.Remove(name);
            }
            else
            {
                startInfo.Environment[name] = value;
            }
        }

        using var process = new Process { StartInfo = startInfo };
        var activity = new GitActivityClock();
        var stdout = new StringBuilder();
        var messages = new List<string>();
        var progress = new GitProgressFilter();

        try
        {
            process.Start();
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new SourceException(
                $"Could not run {program} to fetch the Git repository ({e.Message}). The worker needs git and openssh-clients installed.", e);
        }

        int groupId = process.Id;
        bool exitedNormally = false;
        try
        {
            // Nothing may ever prompt: an open stdin could let ssh or a credential helper wait forever.
            process.StandardInput.Close();

            Task stdoutPump = PumpAsync(process.StandardOutput, activity, line =>
            {
                lock (stdout)
                {
                    if (stdout.Length < MaxOutputChars)
                    {
                        stdout.Append(line).Append('\n');
                    }
                }
            });
            Task stderrPump = PumpAsync(process.StandardError, activity, line =>
            {
                string masked = _redactor.Redact(line);
                bool isProgress = GitProgressFilter.IsProgress(masked);
                if (!isProgress)
                {
                    lock (messages)
                    {
                        messages.Add(masked);
                        if (messages.Count > MaxKeptMessages)
                        {
                            messages.RemoveAt(0);
                        }
                    }
                }

                if (logMessages && progress.ShouldLog(masked))
                {
                    _log.Report(masked);
                }
            });

            GitTimeout timedOut = await WaitAsync(process, groupId, activity, cancellationToken).ConfigureAwait(false);

            // Normally the pipes close with the process. A descendant that escaped the group
            // could keep them open; never let that hang the build.
            await Task.WhenAny(Task.WhenAll(stdoutPump, stderrPump), Task.Delay(PipeDrainGrace, CancellationToken.None)).ConfigureAwait(false);

            exitedNormally = timedOut == GitTimeout.None;
            string output;
            lock (stdout)
            {
                output = stdout.ToString();
            }

            string[] kept;
            lock (messages)
            {
                kept = [.. messages];
            }

            return new GitProcessResult(
                timedOut == GitTimeout.None ? process.ExitCode : -1,
                timedOut,
                _redactor.Redact(output),
                kept);
        }
        finally
        {
            // On every abnormal path (timeout, cancellation, an exception above) no part of the
            // tree outlives the call. After a normal exit the group is empty and its id may be reused.
            if (!exitedNormally)
            {
                ProcessGroup.Kill(groupId);
            }

            if (!process.HasExited)
            {
                try
                {
                    process.Kill(entireProcessTree: true);
                }
                catch (InvalidOperationException)
                {
                    // Exited between the check and the kill.
                }
            }
        }
    }

    private async Task<GitTimeout> WaitAsync(Process process, int groupId, GitActivityClock activity, CancellationToken cancellationToken)
    {
        Task exited = process.WaitForExitAsync(CancellationToken.None);
        TimeSpan poll = TimeSpan.FromMilliseconds(Math.Clamp(_idleTimeout.TotalMilliseconds / 4, 20, 1000));
        while (true)
        {
            Task delay = Task.Delay(poll, cancellationToken);
            if (await Task.WhenAny(exited, delay).ConfigureAwait(false) == exited)
            {
                return GitTimeout.None;
            }

            GitTimeout timeout = cancellationToken.IsCancellationRequested ? GitTimeout.None
                : Remaining <= TimeSpan.Zero ? GitTimeout.Total
                : activity.Idle >= _idleTimeout ? GitTimeout.Idle
                : GitTimeout.None;
            if (timeout != GitTimeout.None || cancellationToken.IsCancellationRequested)
            {
                ProcessGroup.Kill(groupId);
                await exited.ConfigureAwait(false);
                cancellationToken.ThrowIfCancellationRequested();
                return timeout;
            }
        }
    }

    private static async Task PumpAsync(StreamReader reader, GitActivityClock activity, Action<string> onLine)
    {
        // git redraws progress with '\r'; splitting on both makes each redraw a line and makes
        // every byte count as activity for the idle timeout, not only complete lines.
        char[] buffer = new char[4096];
        var line = new StringBuilder();
        while (true)
        {
            int read = await reader.ReadAsync(buffer.AsMemory()).ConfigureAwait(false);
            if (read == 0)
            {
                break;
            }

            activity.Touch();
            for (int i = 0; i < read; i++)
            {
                char c = buffer[i];
                if (c is '\n' or '\r')
                {
                    if (line.Length > 0)
                    {
                        onLine(line.ToString());
                        line.Clear();
                    }
                }
                else if (line.Length < 8192)
                {
                    line.Append(c);
                }
            }
        }

        if (line.Length > 0)
        {
            onLine(line.ToString());
        }
    }
}
