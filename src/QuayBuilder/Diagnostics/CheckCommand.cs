namespace QuayBuilder.Diagnostics;

/// <summary>
/// <c>quay-builder check</c>: the operator's diagnosis of a worker's surroundings, one line per
/// check, exit status = number of failed checks. It reads what it can even when the
/// configuration is incomplete (TOKEN is not needed), talks to nothing that would change state
/// (Ping only, never RegisterBuildJob), and never prints a secret.
/// </summary>
internal static class CheckCommand
{
    /// <summary>Variables a dedicated check validates; the "config" line covers the rest.</summary>
    private static readonly string[] CheckedElsewhere =
    [
        "SERVER", "TOKEN", "INSECURE", "WORK_DIR", "REGISTRY_HOSTNAME",
        .. CaBundleCheck.Variables,
        .. PodmanCheck.Variables,
    ];

    public static async Task<int> RunAsync(Func<string, string?> environment, TextWriter output, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(environment);
        ArgumentNullException.ThrowIfNull(output);
        var now = DateTimeOffset.UtcNow;

        // The slow checks (network, processes) run together; the lines are printed in a fixed order.
        var manager = ManagerCheck.RunAsync(environment, ct);
        var podman = PodmanCheck.RunAsync(environment, ct);
        var registry = RegistryCheck.RunAsync(environment, ct);
        var git = ToolCheck.GitAsync(ct);
        var ssh = ToolCheck.SshAsync(ct);

        var lines = new List<CheckLine>
        {
            ConfigurationCheck.Run(environment, CheckedElsewhere),
            TokenCheck.Run(environment, now),
        };
        lines.AddRange(await manager.ConfigureAwait(false));
        lines.Add(await podman.ConfigureAwait(false));
        lines.Add(await registry.ConfigureAwait(false));
        lines.AddRange(CaBundleCheck.Run(environment, now));
        lines.Add(await git.ConfigureAwait(false));
        lines.Add(await ssh.ConfigureAwait(false));
        lines.Add(WorkDirectoryCheck.Run(environment));

        foreach (var line in lines)
        {
            await output.WriteLineAsync(line.ToString().AsMemory(), ct).ConfigureAwait(false);
        }

        await output.FlushAsync(ct).ConfigureAwait(false);
        return lines.Count(line => line.Status == CheckStatus.Fail);
    }
}
