using System.Net.Sockets;
using QuayBuilder.Podman;

namespace QuayBuilder.Tests.Fakes;

/// <summary>
/// A hand-written container runtime for BuildJob tests: pulls, builds and pushes succeed at once
/// unless told otherwise, and every call is recorded in <see cref="Journal"/> (shared with a
/// <see cref="RecordingReporter"/> to see the order of runtime calls among phases and lines).
/// </summary>
internal sealed class FakeContainerRuntime(List<string> journal) : IContainerRuntime
{
    public const string ImageId = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

    public FakeContainerRuntime()
        : this([])
    {
    }

    public List<string> Journal { get; } = journal;

    /// <summary>Images in storage before the build (an image pulled now was not this build's to remove).</summary>
    public HashSet<string> Present { get; } = new(StringComparer.Ordinal);

    /// <summary>Images the runtime refuses to remove: in use by another build (HTTP 409).</summary>
    public HashSet<string> InUse { get; } = new(StringComparer.Ordinal);

    /// <summary>Lines the build prints, in order; null: a build of the Dockerfile's steps by name.</summary>
    public IReadOnlyList<string>? BuildOutput { get; set; }

    /// <summary>Runs inside the build, after its output; may wait on the token (a long RUN).</summary>
    public Func<CancellationToken, Task>? DuringBuild { get; set; }

    public Exception? BuildFailure { get; set; }

    public Func<string, Exception?>? PullFailure { get; set; }

    public Func<string, Exception?>? PushFailure { get; set; }

    /// <summary>The runtime died: every call fails as a broken socket does.</summary>
    public bool Dead { get; set; }

    public int Pulls;

    public int Pushes;

    public IReadOnlyList<string> Removed { get { lock (Journal) { return [.. Journal.Where(e => e.StartsWith("remove ", StringComparison.Ordinal)).Select(e => e["remove ".Length..])]; } } }

    public static PodmanException Unreachable(string operation) =>
        new($"{operation} failed: the connection to the container runtime at /run/fake.sock broke (connection reset). Check the Podman service's log.", new IOException("reset", new SocketException(104)));

    public Task PingAsync(CancellationToken ct)
    {
        Record("ping");
        return Dead ? Task.FromException(Unreachable("Ping")) : Task.CompletedTask;
    }

    public Task<PodmanInfo> InfoAsync(CancellationToken ct) => Task.FromResult(new PodmanInfo("fake", "vfs", false, "runc"));

    public Task<string> PullAsync(string reference, RegistryAuth? auth, Action<PodmanMessage> onMessage, CancellationToken ct)
    {
        Record("pull " + reference);
        Interlocked.Increment(ref Pulls);
        ThrowIfDead("Pulling " + reference);
        if (PullFailure?.Invoke(reference) is { } failure)
        {
            return Task.FromException<string>(failure);
        }

        onMessage(new PodmanMessage(null, "Pulling fs layer", "abc", null, null, null));
        return Task.FromResult("fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210");
    }

    public async Task<string> BuildAsync(BuildParameters parameters, Func<Stream, CancellationToken, Task> writeContext, Action<PodmanMessage> onMessage, CancellationToken ct)
    {
        Record("build " + parameters.Tag);
        ThrowIfDead("Building " + parameters.Tag);
        await writeContext(Stream.Null, ct);
        foreach (var line in BuildOutput ?? ["STEP 1/2: FROM busybox", "STEP 2/2: RUN echo hello", "hello", "--> 1111111111aa", "COMMIT " + parameters.Tag, "--> 0123456789ab"])
        {
            onMessage(new PodmanMessage(line + "\n", null, null, null, null, null));
        }

        if (DuringBuild is not null)
        {
            await DuringBuild(ct);
        }

        if (BuildFailure is not null)
        {
            throw BuildFailure;
        }

        return ImageId;
    }

    public Task TagAsync(string image, string repository, string tag, CancellationToken ct)
    {
        Record($"tag {repository}:{tag}");
        ThrowIfDead("Tagging");
        return Task.CompletedTask;
    }

    public Task<string?> PushAsync(string image, string destination, RegistryAuth? auth, Action<PodmanMessage> onMessage, CancellationToken ct)
    {
        Record("push " + destination);
        Interlocked.Increment(ref Pushes);
        ThrowIfDead("Pushing " + destination);
        if (PushFailure?.Invoke(destination) is { } failure)
        {
            return Task.FromException<string?>(failure);
        }

        return Task.FromResult<string?>("sha256:" + new string('d', 64));
    }

    public Task<ImageDetails?> InspectImageAsync(string nameOrId, CancellationToken ct)
    {
        Record("inspect " + nameOrId);
        ThrowIfDead("Inspecting " + nameOrId);
        return Task.FromResult(Present.Contains(nameOrId) || nameOrId == ImageId ? new ImageDetails(ImageId, null, [], []) : null);
    }

    public Task<bool> RemoveImageAsync(string nameOrId, CancellationToken ct)
    {
        Record("remove " + nameOrId);
        ThrowIfDead("Removing " + nameOrId);
        return Task.FromResult(!InUse.Contains(nameOrId));
    }

    public Task PruneDanglingImagesAsync(CancellationToken ct)
    {
        Record("prune");
        return Task.CompletedTask;
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    private void ThrowIfDead(string operation)
    {
        if (Dead)
        {
            throw Unreachable(operation);
        }
    }

    private void Record(string entry)
    {
        lock (Journal)
        {
            Journal.Add(entry);
        }
    }
}
