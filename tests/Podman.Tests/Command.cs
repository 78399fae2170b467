using System.Diagnostics;

namespace QuayBuilder.Podman.Tests;

/// <summary>Runs a command to completion for test set-up and checks.</summary>
internal static class Command
{
    internal static async Task<(int ExitCode, string Output)> RunAsync(
        string fileName, IEnumerable<string> arguments, IReadOnlyDictionary<string, string>? environment = null, TimeSpan? timeout = null)
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

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromMinutes(3));
        try
        {
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{fileName} {string.Join(' ', start.ArgumentList)} did not finish in time");
        }

        return (process.ExitCode, await stdout + await stderr);
    }

    internal static async Task<string> RunCheckedAsync(
        string fileName, IEnumerable<string> arguments, IReadOnlyDictionary<string, string>? environment = null)
    {
        var (code, output) = await RunAsync(fileName, arguments, environment);
        if (code != 0)
        {
            throw new InvalidOperationException($"{fileName} failed with exit code {code}: {output}");
        }

        return output;
    }
}
