namespace QuayBuilder.Tests.EndToEnd;

/// <summary>
/// The published native-AOT worker, which is what the end-to-end tests run (never `dotnet run`).
/// QB_WORKER_BINARY names it (CI publishes it first); otherwise it is published once into
/// artifacts/aot/ by scripts/publish when missing or older than the sources.
/// </summary>
internal static class WorkerBinary
{
    private static readonly SemaphoreSlim Gate = new(1, 1);
    private static string? _path;

    public static async Task<string> GetAsync()
    {
        await Gate.WaitAsync();
        try
        {
            return _path ??= await LocateAsync();
        }
        finally
        {
            Gate.Release();
        }
    }

    private static async Task<string> LocateAsync()
    {
        if (Environment.GetEnvironmentVariable("QB_WORKER_BINARY") is { Length: > 0 } given)
        {
            return File.Exists(given) ? given : throw new FileNotFoundException($"QB_WORKER_BINARY names {given}, which does not exist: publish the worker first (scripts/publish).");
        }

        var output = Path.Combine(RepositoryRoot.Path, "artifacts", "aot");
        var binary = Path.Combine(output, "quay-builder");
        if (!File.Exists(binary) || File.GetLastWriteTimeUtc(binary) < NewestSource())
        {
            // scripts/publish restores first and publishes without restoring, as CI does: a
            // `dotnet publish -r` of its own would rewrite the libraries' lock files.
            var result = await ProcessRunner.RunAsync(Path.Combine(RepositoryRoot.Path, "scripts", "publish"), [], timeout: TimeSpan.FromMinutes(8));
            if (result.ExitCode != 0)
            {
                throw new InvalidOperationException($"Publishing the AOT worker failed: {result}");
            }
        }

        return binary;
    }

    private static DateTime NewestSource() =>
        new[] { "src" }.SelectMany(d => Directory.EnumerateFiles(Path.Combine(RepositoryRoot.Path, d), "*.cs", SearchOption.AllDirectories))
            .Where(f => !f.Contains("/obj/", StringComparison.Ordinal) && !f.Contains("/bin/", StringComparison.Ordinal))
            .Select(File.GetLastWriteTimeUtc)
            .DefaultIfEmpty(DateTime.MinValue)
            .Max();
}
