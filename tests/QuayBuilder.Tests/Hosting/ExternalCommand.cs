using QuayBuilder.Tests.EndToEnd;

namespace QuayBuilder.Tests.Hosting;

/// <summary>Runs a real tool (systemd-analyze, rpmbuild, rpm) and captures what it printed.</summary>
internal sealed record ExternalCommand(int ExitCode, string StandardOutput, string StandardError)
{
    public static async Task<ExternalCommand> RunAsync(string fileName, IEnumerable<string> arguments, IDictionary<string, string>? environment = null, TimeSpan? timeout = null)
    {
        try
        {
            var result = await ProcessRunner.RunAsync(
                fileName,
                arguments,
                environment?.ToDictionary(e => e.Key, e => (string?)e.Value),
                timeout ?? TimeSpan.FromMinutes(2));
            return new ExternalCommand(result.ExitCode, result.Stdout, result.Stderr);
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            // Under CI the tools are installed by scripts/prereqs; a missing one is a failure, not a skip.
            throw new InvalidOperationException($"Cannot run {fileName} ({e.Message}): install it with scripts/prereqs.", e);
        }
    }
}
