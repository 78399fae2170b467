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
        var manager = GuardAsync(ManagerCheck.Name, () => ManagerCheck.RunAsync(environment, ct), ct);
        var podman = GuardAsync(PodmanCheck.Name, async () => [await PodmanCheck.RunAsync(environment, ct).ConfigureAwait(false)], ct);
        var registry = GuardAsync(RegistryCheck.Name, async () => [await RegistryCheck.RunAsync(environment, ct).ConfigureAwait(false)], ct);
        var git = GuardAsync("git", async () => [await ToolCheck.GitAsync(ct).ConfigureAwait(false)], ct);
        var ssh = GuardAsync("ssh", async () => [await ToolCheck.SshAsync(ct).ConfigureAwait(false)], ct);

        var lines = new List<CheckLine>();
        lines.AddRange(Guard(ConfigurationCheck.Name, () => [ConfigurationCheck.Run(environment, CheckedElsewhere)]));
        lines.AddRange(Guard(TokenCheck.Name, () => [TokenCheck.Run(environment, now)]));
        lines.AddRange(await manager.ConfigureAwait(false));
        lines.AddRange(await podman.ConfigureAwait(false));
        lines.AddRange(await registry.ConfigureAwait(false));
        lines.AddRange(Guard(CaBundleCheck.Name, () => CaBundleCheck.Run(environment, now)));
        lines.AddRange(await git.ConfigureAwait(false));
        lines.AddRange(await ssh.ConfigureAwait(false));
        lines.AddRange(Guard(WorkDirectoryCheck.Name, () => [WorkDirectoryCheck.Run(environment)]));

        foreach (var line in lines)
        {
            await output.WriteLineAsync(line.ToString().AsMemory(), ct).ConfigureAwait(false);
        }

        await output.FlushAsync(ct).ConfigureAwait(false);
        return lines.Count(line => line.Status == CheckStatus.Fail);
    }

    /// <summary>
    /// A check that breaks in a way it did not foresee becomes its own FAIL line: one broken
    /// check must not hide what the others found.
    /// </summary>
    private static IReadOnlyList<CheckLine> Guard(string name, Func<IReadOnlyList<CheckLine>> check)
    {
        try
        {
            return check();
        }
        catch (Exception e)
        {
            return [Crashed(name, e)];
        }
    }

    private static async Task<IReadOnlyList<CheckLine>> GuardAsync(string name, Func<Task<IReadOnlyList<CheckLine>>> check, CancellationToken ct)
    {
        try
        {
            return await check().ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            return [Crashed(name, e)];
        }
    }

    private static CheckLine Crashed(string name, Exception e) =>
        CheckLine.Fail(name, $"the check itself failed ({e.GetType().Name}: {e.Message}) — run it again; if it persists, report it with this line.");
}
