using System.Net;
using System.Text;
using System.Text.Json;

namespace QuayBuilder.Podman;

/// <summary>
/// The Docker Engine API (v1.41 paths) over a unix socket, for CONTAINER_RUNTIME=docker.
/// Works against dockerd and against Podman's Docker-compatible endpoints; the latter ignore
/// <see cref="BuildParameters.Isolation"/>, so unprivileged Podman builds need <see cref="PodmanClient"/>.
/// </summary>
public sealed class DockerApiClient : IContainerRuntime
{
    private const string Api = "/v1.41";

    private readonly RuntimeConnection _connection;
    private readonly RegistryCertificates _certificates;

    public DockerApiClient(string socketPath, RuntimeClientOptions? options = null)
    {
        _connection = new RuntimeConnection(socketPath, options);
        _certificates = new RegistryCertificates(_connection.Options);
    }

    /// <summary>Shares a connection with <see cref="PodmanClient"/>, which pushes through this API.</summary>
    internal DockerApiClient(RuntimeConnection connection, RegistryCertificates certificates)
    {
        _connection = connection;
        _certificates = certificates;
    }

    public string SocketPath => _connection.SocketPath;

    public async Task PingAsync(CancellationToken ct)
    {
        await _connection.SendShortAsync(HttpMethod.Get, "/_ping", "Ping of the Docker API", null, ct).ConfigureAwait(false);
    }

    public async Task<PodmanInfo> InfoAsync(CancellationToken ct)
    {
        var (_, body) = await _connection.SendShortAsync(HttpMethod.Get, $"{Api}/info", "Reading the Docker API's info", null, ct).ConfigureAwait(false);
        var info = JsonSerializer.Deserialize(body, PodmanJsonContext.Default.DockerInfo)
            ?? throw new PodmanException("Reading the Docker API's info failed: the answer was empty.");
        var rootless = info.SecurityOptions?.Any(o => o.Contains("name=rootless", StringComparison.Ordinal)) ?? false;
        return new PodmanInfo(info.ServerVersion ?? "unknown", info.Driver ?? "unknown", rootless, info.DefaultRuntime ?? "unknown");
    }

    public async Task<string> PullAsync(string reference, RegistryAuth? auth, Action<PodmanMessage> onMessage, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(onMessage);
        var operation = $"Pulling {reference}";
        _certificates.EnsureFor(reference);
        var (repository, tag) = ImageName.SplitTag(ImageName.ForPath(reference));
        var path = $"{Api}/images/create?fromImage={PodmanClient.Query(repository)}" + (tag is null ? string.Empty : $"&tag={PodmanClient.Query(tag)}");
        using var request = new HttpRequestMessage(HttpMethod.Post, path);
        AddAuth(request, auth);
        using (var response = await _connection.SendAsync(request, operation, ct).ConfigureAwait(false))
        {
            await _connection.ReadStreamAsync(response, operation, prefixErrors: true, onMessage, ct).ConfigureAwait(false);
        }

        // The Docker API's pull answer does not name the image id; ask for it.
        var details = await InspectImageAsync(reference, ct).ConfigureAwait(false)
            ?? throw new PodmanException($"{operation} reported success but the image is not there; check the runtime's log.");
        return details.Id;
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

        var query = new StringBuilder($"{Api}/build?t={PodmanClient.Query(ImageName.ForPath(parameters.Tag))}");
        query.Append("&dockerfile=").Append(PodmanClient.Query(parameters.Dockerfile));
        query.Append("&rm=1&forcerm=1");
        if (parameters.Labels.Count > 0)
        {
            query.Append("&labels=").Append(PodmanClient.Query(LabelsParameter.AsObject(parameters.Labels)));
        }

        if (parameters.CacheFrom.Count > 0)
        {
            var list = JsonSerializer.Serialize(parameters.CacheFrom.ToList(), PodmanJsonContext.Default.ListString);
            query.Append("&cachefrom=").Append(PodmanClient.Query(list));
        }

        PodmanClient.AppendBuildArguments(query, _connection.Options);
        using var content = new ContextContent(writeContext);
        using var request = new HttpRequestMessage(HttpMethod.Post, query.ToString()) { Content = content };
        if (parameters.RegistryCredentials.Count > 0)
        {
            request.Headers.Add(RegistryAuthHeader.ConfigHeader, RegistryAuthHeader.EncodeConfig(parameters.RegistryCredentials));
        }

        return await PodmanClient.SendBuildAsync(_connection, request, content, $"Building {parameters.Tag}", onMessage, ct).ConfigureAwait(false);
    }

    public async Task TagAsync(string image, string repository, string tag, CancellationToken ct)
    {
        var path = $"{Api}/images/{Name(image)}/tag?repo={PodmanClient.Query(repository)}&tag={PodmanClient.Query(tag)}";
        await _connection.SendShortAsync(HttpMethod.Post, path, $"Tagging {image} as {repository}:{tag}", null, ct).ConfigureAwait(false);
    }

    /// <summary>The Docker API pushes a local name, so the image is first tagged as <paramref name="destination"/>.</summary>
    public async Task<string?> PushAsync(string image, string destination, RegistryAuth? auth, Action<PodmanMessage> onMessage, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(onMessage);
        var operation = $"Pushing {destination}";
        _certificates.EnsureFor(destination);
        var (repository, tag) = ImageName.SplitTag(ImageName.ForPath(destination));
        if (!string.Equals(image, destination, StringComparison.Ordinal))
        {
            await TagAsync(image, repository, tag ?? "latest", ct).ConfigureAwait(false);
        }

        var path = $"{Api}/images/{repository}/push?tag={PodmanClient.Query(tag ?? "latest")}";
        using var request = new HttpRequestMessage(HttpMethod.Post, path);
        // The Docker API refuses a push without the header, even for an open registry.
        AddAuth(request, auth ?? new RegistryAuth(string.Empty, string.Empty));
        using var response = await _connection.SendAsync(request, operation, ct).ConfigureAwait(false);
        var summary = await _connection.ReadStreamAsync(response, operation, prefixErrors: true, onMessage, ct).ConfigureAwait(false);
        return summary.Digest;
    }

    public Task<ImageDetails?> InspectImageAsync(string nameOrId, CancellationToken ct) =>
        ImageRequests.InspectAsync(_connection, Api, Name(nameOrId), nameOrId, ct);

    public Task<bool> RemoveImageAsync(string nameOrId, CancellationToken ct) =>
        ImageRequests.RemoveAsync(_connection, Api, Name(nameOrId), nameOrId, ct);

    public async Task PruneDanglingImagesAsync(CancellationToken ct)
    {
        var filters = PodmanClient.Query("{\"dangling\":[\"true\"]}");
        await _connection.SendShortAsync(HttpMethod.Post, $"{Api}/images/prune?filters={filters}", "Pruning dangling images", null, ct).ConfigureAwait(false);
    }

    public ValueTask DisposeAsync()
    {
        _connection.Dispose();
        return ValueTask.CompletedTask;
    }

    /// <summary>
    /// A bare 64-hex id gets its algorithm: Podman's compat API treats a bare id of a removed
    /// image as a name and answers 500 instead of 404; <c>sha256:</c> works on both engines.
    /// </summary>
    private static string Name(string nameOrId)
    {
        var name = ImageName.ForPath(nameOrId);
        return name.Length == 64 && name.All(char.IsAsciiHexDigitLower) ? "sha256:" + name : name;
    }

    private static void AddAuth(HttpRequestMessage request, RegistryAuth? auth)
    {
        if (auth is not null)
        {
            request.Headers.Add(RegistryAuthHeader.AuthHeader, RegistryAuthHeader.Encode(auth));
        }
    }
}
