using System.Diagnostics;

namespace QuayBuilder.Tests.Hosting;

/// <summary>Runs a real tool (systemd-analyze, rpmbuild, rpm) and captures what it printed.</summary>
internal sealed record ExternalCommand(int ExitCode, string StandardOutput, string StandardError)
{
    public static async Task<ExternalCommand> RunAsync(string fileName, IEnumerable<string> arguments, IDictionary<string, string>? environment = null, TimeSpan? timeout = null)
    {
        var start = new ProcessStartInfo(fileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[name] = value;
        }

        Process process;
        try
        {
            process = Process.Start(start) ?? throw new InvalidOperationException($"{fileName} did not start");
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            // Under CI the tools are installed by scripts/prereqs; a missing one is a failure, not a skip.
            throw new InvalidOperationException($"Cannot run {fileName} ({e.Message}): install it with scripts/prereqs.", e);
        }

        using (process)
        {
            using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromMinutes(2));
            var stdout = process.StandardOutput.ReadToEndAsync(cts.Token);
            var stderr = process.StandardError.ReadToEndAsync(cts.Token);
            try
            {
                await process.WaitForExitAsync(cts.Token);
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
                throw new TimeoutException($"{fileName} {string.Join(' ', start.ArgumentList)} did not finish in time");
            }

            return new ExternalCommand(process.ExitCode, await stdout, await stderr);
        }
    }
}
