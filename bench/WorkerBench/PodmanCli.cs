namespace QuayBuilder.WorkerBench;

/// <summary>The podman CLI in remote mode against the same service (and so the same storage) the worker uses.</summary>
internal sealed class PodmanCli(string socket)
{
    public Task RunAsync(params string[] arguments) =>
        ProcessRunner.RunCheckedAsync("podman", ["--url", "unix://" + socket, .. arguments], timeout: TimeSpan.FromMinutes(10));

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
