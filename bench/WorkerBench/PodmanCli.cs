using System.Diagnostics;

namespace QuayBuilder.WorkerBench;

/// <summary>The podman CLI in remote mode against the same service (and so the same storage) the worker uses.</summary>
internal sealed class PodmanCli(string socket)
{
    public async Task RunAsync(params string[] arguments)
    {
        var info = new ProcessStartInfo("podman") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add("--url");
        info.ArgumentList.Add("unix://" + socket);
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var deadline = new CancellationTokenSource(TimeSpan.FromMinutes(10));
        await process.WaitForExitAsync(deadline.Token);
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"podman {string.Join(' ', arguments)} exited {process.ExitCode}: {await stderr}{await stdout}");
        }
    }

    /// <summary>Removes the named images (missing ones are fine) and dangling layers, so the next run starts cold.</summary>
    public async Task RemoveAsync(params string[] images)
    {
        if (images.Length > 0)
        {
            await RunAsync(["rmi", "--force", "--ignore", .. images]);
        }

        await RunAsync("image", "prune", "--force");
    }
}
