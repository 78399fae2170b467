namespace QuayBuilder.Podman;

/// <summary>
/// The container operations a build needs. Implemented on Podman's libpod API
/// (<see cref="PodmanClient"/>) and on the Docker Engine API (<see cref="DockerApiClient"/>).
/// Every failure is a <see cref="PodmanException"/>; cancellation is an
/// <see cref="OperationCanceledException"/>.
/// </summary>
public interface IContainerRuntime : IAsyncDisposable
{
    Task PingAsync(CancellationToken ct);

    Task<PodmanInfo> InfoAsync(CancellationToken ct);

    /// <summary>Pulls <paramref name="reference"/>; returns the image id.</summary>
    Task<string> PullAsync(string reference, RegistryAuth? auth, Action<PodmanMessage> onMessage, CancellationToken ct);

    /// <summary>
    /// Builds an image; <paramref name="writeContext"/> writes the context tar to the request
    /// body while it is being sent. Returns the image id.
    /// </summary>
    Task<string> BuildAsync(BuildParameters parameters, Func<Stream, CancellationToken, Task> writeContext, Action<PodmanMessage> onMessage, CancellationToken ct);

    Task TagAsync(string image, string repository, string tag, CancellationToken ct);

    /// <summary>
    /// Pushes local <paramref name="image"/> to <paramref name="destination"/> (a full reference).
    /// Returns the digest of the manifest the registry received, or null when the runtime did
    /// not say. (The local image's RepoDigests are not that digest: the push compresses layers.)
    /// </summary>
    Task<string?> PushAsync(string image, string destination, RegistryAuth? auth, Action<PodmanMessage> onMessage, CancellationToken ct);

    /// <summary>Returns null when there is no such image.</summary>
    Task<ImageDetails?> InspectImageAsync(string nameOrId, CancellationToken ct);

    /// <summary>
    /// Removes an image name, or the image itself when given its id or its last name — never by
    /// force, so nothing another build uses is touched. Returns false when the runtime refused
    /// because the image is in use (HTTP 409: a container runs on it, or it has child images); a
    /// missing image counts as removed. Remove an image's names before its id: Podman 4.3.1
    /// refuses an id that still has several names with HTTP 500 ("please force removal"), which
    /// is thrown.
    /// </summary>
    Task<bool> RemoveImageAsync(string nameOrId, CancellationToken ct);

    Task PruneDanglingImagesAsync(CancellationToken ct);
}
