using System.ComponentModel;
using System.Diagnostics;

namespace QuayBuilder.Diagnostics;

/// <summary>
/// A program Git build packs need (git; ssh for git@host: and ssh:// URLs) is on PATH and runs.
/// Its version line is what gets printed.
/// </summary>
internal static class ToolCheck
{
    private static readonly TimeSpan RunTimeout = TimeSpan.FromSeconds(5);

    public static Task<CheckLine> GitAsync(CancellationToken ct) =>
        RunAsync("git", "git", "--version", "install git (apt-get install git / dnf install git): Git build packs need it", ct);

    public static Task<CheckLine> SshAsync(CancellationToken ct) =>
        RunAsync("ssh", "ssh", "-V", "install the OpenSSH client (apt-get install openssh-client / dnf install openssh-clients): Git build packs over SSH need it", ct);

    /// <summary>Runs <paramref name="program"/> <paramref name="argument"/>; the first line it prints (ssh -V writes to stderr) is the version.</summary>
    internal static async Task<CheckLine> RunAsync(string name, string program, string argument, string fix, CancellationToken ct)
    {
        var start = new ProcessStartInfo(program, [argument])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };

        Process process;
        try
        {
            process = Process.Start(start) ?? throw new Win32Exception($"{program} did not start");
        }
        catch (Win32Exception e)
        {
            return CheckLine.Fail(name, $"{program} cannot be run ({e.Message}) — {fix}.");
        }

        using (process)
        {
            process.StandardInput.Close();
            var stdout = process.StandardOutput.ReadToEndAsync(ct);
            var stderr = process.StandardError.ReadToEndAsync(ct);
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
            timeout.CancelAfter(RunTimeout);
            try
            {
                await process.WaitForExitAsync(timeout.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!ct.IsCancellationRequested)
            {
                process.Kill(entireProcessTree: true);
                return CheckLine.Fail(name, $"{program} {argument} did not finish within {RunTimeout.TotalSeconds:0} s — check that {program} on PATH is the real program, not a wrapper waiting for input.");
            }

            var output = (await stdout.ConfigureAwait(false)) + (await stderr.ConfigureAwait(false));
            var first = output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).FirstOrDefault() ?? string.Empty;
            return process.ExitCode == 0
                ? CheckLine.Ok(name, first)
                : CheckLine.Fail(name, $"{program} {argument} exited with status {process.ExitCode} ({first}) — {fix}.");
        }
    }
}
