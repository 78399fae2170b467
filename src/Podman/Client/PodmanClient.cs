using System.Net;
using System.Runtime.ExceptionServices;
using System.Text;
using System.Text.Json;

namespace QuayBuilder.Podman;

/// <summary>
/// Podman's libpod REST API (v4.0.0 paths, served by Podman 4.x and 5.x) over its unix socket.
/// See docs/adr/0001-hand-written-podman-client.md for why this is hand-written.
/// </summary>
public sealed class PodmanClient : IContainerRuntime
{
    private const string Api = "/v4.0.0/libpod";

    private readonly RuntimeConnection _connection;
    private readonly DockerApiClient _compatible;
    private readonly RegistryCertificates _certificates;

    public PodmanClient(string socketPath, RuntimeClientOptions? options = null)
    {
        _connection = new RuntimeConnection(socketPath, options);
        _certificates = new RegistryCertificates(_connection.Options);
        _compatible = new DockerApiClient(_connection, _certificates);
    }

    public string SocketPath => _connection.SocketPath;

    public async Task PingAsync(CancellationToken ct)
    {
        await _connection.SendShortAsync(HttpMethod.Get, "/_ping", "Ping of the Podman service", null, ct).ConfigureAwait(false);
    }

    public async Task<PodmanInfo> InfoAsync(CancellationToken ct)
    {
        var (_, body) = await _connection.SendShortAsync(HttpMethod.Get, $"{Api}/info", "Reading Podman's info", null, ct).ConfigureAwait(false);
        var info = JsonSerializer.Deserialize(body, PodmanJsonContext.Default.LibpodInfo)
            ?? throw new PodmanException("Reading Podman's info failed: the answer was empty.");
        return new PodmanInfo(
            info.Version?.Version ?? "unknown",
            info.Store?.GraphDriverName ?? "unknown",
            info.Host?.Security?.Rootless ?? false,
            info.Host?.OciRuntime?.Name ?? "unknown");
    }

    public async Task<string> PullAsync(string reference, RegistryAuth? auth, Action<PodmanMessage> onMessage, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(onMessage);
        var operation = $"Pulling {reference}";
        _certificates.EnsureFor(reference);
        using var request = new HttpRequestMessage(HttpMethod.Post, $"{Api}/images/pull?reference={Query(ImageName.ForPath(reference))}");
        if (auth is not null)
        {
            request.Headers.Add(RegistryAuthHeader.AuthHeader, RegistryAuthHeader.Encode(auth));
        }

        using var response = await _connection.SendAsync(request, operation, ct).ConfigureAwait(false);
        var summary = await ReadAsync(response, operation, onMessage, ct).ConfigureAwait(false);
        return summary.ImageId ?? throw new PodmanException($"{operation} finished without naming the pulled image; check the Podman service's log.");
    }

    public async Task<string> BuildAsync(
        BuildParameters parameters,
        Func<Stream, CancellationToken, Task> writeContext,
        Action<PodmanMessage> onMessage,
        CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        ArgumentNullException.ThrowIfNull(writeContext);
        ArgumentNullException.ThrowIfNull(onMessage);

        var query = new StringBuilder($"{Api}/build?t={Query(ImageName.ForPath(parameters.Tag))}");
        query.Append("&dockerfile=").Append(Query(parameters.Dockerfile));
        query.Append("&isolation=").Append(Query(parameters.Isolation));
        query.Append("&layers=").Append(parameters.Layers ? "true" : "false");
        query.Append("&outputformat=").Append(Query(parameters.ImageFormat switch
        {
            "docker" => "application/vnd.docker.distribution.manifest.v2+json",
            "oci" => "application/vnd.oci.image.manifest.v1+json",
            _ => throw new ArgumentException($"Image format '{parameters.ImageFormat}' is neither docker nor oci.", nameof(parameters)),
        }));
        // Remove intermediate containers even when a step fails: nothing of a build survives it.
        query.Append("&rm=true&forcerm=true");
        if (parameters.Timestamp is { } timestamp)
        {
            query.Append("&timestamp=").Append(timestamp.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        if (parameters.Labels.Count > 0)
        {
            query.Append("&labels=").Append(Query(LabelsParameter.AsList(parameters.Labels)));
        }

        if (parameters.CacheFrom.Count > 0)
        {
            var list = JsonSerializer.Serialize(parameters.CacheFrom.ToList(), PodmanJsonContext.Default.ListString);
            query.Append("&cachefrom=").Append(Query(list));
        }

        AppendBuildArguments(query, _connection.Options);
        using var content = new ContextContent(writeContext);
        using var request = new HttpRequestMessage(HttpMethod.Post, query.ToString()) { Content = content };
        if (parameters.RegistryCredentials.Count > 0)
        {
            request.Headers.Add(RegistryAuthHeader.ConfigHeader, RegistryAuthHeader.EncodeConfig(parameters.RegistryCredentials));
        }

        return await SendBuildAsync(_connection, request, content, $"Building {parameters.Tag}", onMessage, ct).ConfigureAwait(false);
    }

    public async Task TagAsync(string image, string repository, string tag, CancellationToken ct)
    {
        var path = $"{Api}/images/{ImageName.ForPath(image)}/tag?repo={Query(repository)}&tag={Query(tag)}";
        await _connection.SendShortAsync(HttpMethod.Post, path, $"Tagging {image} as {repository}:{tag}", null, ct).ConfigureAwait(false);
    }

    /// <remarks>
    /// Pushes through Podman's Docker-compatible endpoint on the same socket: Podman 4.x's libpod
    /// push reports no digest, and the compatible one reports the manifest digest the registry
    /// received (<c>aux.Digest</c>). Both push with containers/image and the service's
    /// registries.conf; isolation, the reason for libpod elsewhere, plays no part in a push.
    /// </remarks>
    public Task<string?> PushAsync(string image, string destination, RegistryAuth? auth, Action<PodmanMessage> onMessage, CancellationToken ct) =>
        _compatible.PushAsync(image, destination, auth, onMessage, ct);

    public Task<ImageDetails?> InspectImageAsync(string nameOrId, CancellationToken ct) =>
        ImageRequests.InspectAsync(_connection, Api, ImageName.ForPath(nameOrId), nameOrId, ct);

    public Task<bool> RemoveImageAsync(string nameOrId, CancellationToken ct) =>
        ImageRequests.RemoveAsync(_connection, Api, ImageName.ForPath(nameOrId), nameOrId, ct);

    public async Task PruneDanglingImagesAsync(CancellationToken ct)
    {
        await _connection.SendShortAsync(HttpMethod.Post, $"{Api}/images/prune", "Pruning dangling images", null, ct).ConfigureAwait(false);
    }

    public ValueTask DisposeAsync()
    {
        _connection.Dispose();
        return ValueTask.CompletedTask;
    }

    internal static string Query(string value) => Uri.EscapeDataString(value);

    /// <summary>The proxies as build arguments (<c>buildargs</c>, a JSON object), the same on both APIs.</summary>
    internal static void AppendBuildArguments(StringBuilder query, RuntimeClientOptions options)
    {
        if (options.ProxyBuildArguments.Count > 0)
        {
            var arguments = new Dictionary<string, string>(options.ProxyBuildArguments, StringComparer.Ordinal);
            query.Append("&buildargs=").Append(Query(JsonSerializer.Serialize(arguments, PodmanJsonContext.Default.DictionaryStringString)));
        }
    }

    internal static ImageDetails ParseInspect(string body, string nameOrId)
    {
        var image = JsonSerializer.Deserialize(body, PodmanJsonContext.Default.ImageInspect);
        if (image?.Id is not { Length: > 0 } id)
        {
            throw new PodmanException($"Inspecting image {nameOrId} failed: the answer has no image id.");
        }

        return new ImageDetails(StripAlgorithm(id), image.Digest, image.RepoDigests ?? [], image.RepoTags ?? []);
    }

    /// <summary>Image ids are reported bare (64 hex), whichever API gave them.</summary>
    internal static string StripAlgorithm(string id) =>
        id.StartsWith("sha256:", StringComparison.Ordinal) ? id["sha256:".Length..] : id;

    /// <summary>
    /// Sends a build and reads its output. Shared with <see cref="DockerApiClient"/>: both APIs
    /// stream <c>stream</c> lines and report the image id in <c>aux</c> or as the last bare id.
    /// </summary>
    internal static async Task<string> SendBuildAsync(
        RuntimeConnection connection, HttpRequestMessage request, ContextContent content, string operation,
        Action<PodmanMessage> onMessage, CancellationToken ct)
    {
        try
        {
            using var response = await connection.SendAsync(request, operation, ct).ConfigureAwait(false);
            var summary = await connection.ReadStreamAsync(response, operation, prefixErrors: false, onMessage, ct).ConfigureAwait(false);
            var id = summary.ImageId ?? summary.LastBareId
                ?? throw new PodmanException($"{operation} finished without reporting an image id; check the Podman service's log.");
            return StripAlgorithm(id);
        }
        catch (PodmanException) when (content.WriterFailure is { } failure and not IOException)
        {
            // The context writer failed (e.g. an unreadable file): that is the real cause.
            ExceptionDispatchInfo.Throw(failure);
            throw;
        }
    }

    private Task<StreamSummary> ReadAsync(HttpResponseMessage response, string operation, Action<PodmanMessage> onMessage, CancellationToken ct) =>
        _connection.ReadStreamAsync(response, operation, prefixErrors: true, onMessage, ct);

}
