namespace QuayBuilder.Tests.EndToEnd;

/// <summary>
/// The quay-builder image, built once per test run by scripts/image from the Containerfile with the
/// published worker (QB_WORKER_BINARY) on an offline Debian trixie base, and run with the host's
/// `podman` CLI. scripts/image keeps the base between runs, so a rebuild takes seconds.
/// </summary>
internal static class BuilderImage
{
    public const string Tag = "localhost/quay-builder:dev";

    private static readonly SemaphoreSlim Gate = new(1, 1);
    private static string? _tag;

    public static async Task<string> GetAsync()
    {
        await Gate.WaitAsync();
        try
        {
            return _tag ??= await BuildAsync();
        }
        finally
        {
            Gate.Release();
        }
    }

    /// <summary>
    /// `podman run` options every run needs on a runner that is itself a container without
    /// CAP_SYS_RESOURCE: Podman's default limits (1048576 open files, more processes) are above
    /// what such a runner may set, so ask for ours. No privilege: lowering a limit needs none.
    /// </summary>
    public static async Task<string[]> LimitOptionsAsync()
    {
        var hard = await ProcessRunner.RunAsync("sh", ["-c", "ulimit -Hn"]);
        var files = hard.Stdout.Trim();
        return files == "unlimited" ? ["--ulimit", "nproc=32768:32768"] : ["--ulimit", $"nofile={files}:{files}", "--ulimit", "nproc=32768:32768"];
    }

    /// <summary>`podman ARGUMENTS` for a container named NAME; removes it after, also when the timeout cuts the run.</summary>
    public static async Task<ProcessResult> RunContainerAsync(string name, string[] arguments, IDictionary<string, string?> environment, TimeSpan timeout)
    {
        try
        {
            return await ProcessRunner.RunAsync("podman", arguments, environment, timeout);
        }
        finally
        {
            await ProcessRunner.RunAsync("podman", ["rm", "--force", "--ignore", name]);
        }
    }

    private static async Task<string> BuildAsync()
    {
        var binary = await WorkerBinary.GetAsync();
        var result = await ProcessRunner.RunAsync(RepositoryRoot.File("scripts", "image"), [binary],
            new Dictionary<string, string?> { ["QB_IMAGE_TAG"] = Tag }, TimeSpan.FromMinutes(10));
        if (result.ExitCode != 0)
        {
            throw new InvalidOperationException($"scripts/image failed; the image tests need podman, mmdebstrap and Debian's mirror (scripts/test-platforms installs mmdebstrap and builds the image). {result}");
        }

        return Tag;
    }
}
