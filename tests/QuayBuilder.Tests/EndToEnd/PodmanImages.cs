using System.Net.Sockets;
using System.Text.Json;

namespace QuayBuilder.Tests.EndToEnd;

/// <summary>What images the Podman service holds, asked over its socket.</summary>
internal static class PodmanImages
{
    /// <summary>Every name (RepoTags) of every image in the service's storage.</summary>
    public static async Task<IReadOnlyList<string>> NamesAsync(string socketPath)
    {
        using var http = Client(socketPath);
        using var json = JsonDocument.Parse(await http.GetStringAsync("v4.0.0/libpod/images/json?all=true"));
        return [.. json.RootElement.EnumerateArray()
            .SelectMany(image => image.TryGetProperty("Names", out var names) && names.ValueKind == JsonValueKind.Array
                ? names.EnumerateArray().Select(n => n.GetString()!)
                : [])];
    }

    /// <summary>
    /// Removes an image a test kept on purpose, so the next run starts from the same state. Never by
    /// force: the service is shared with other builds, whose images in use must stay (HTTP 409).
    /// </summary>
    public static async Task RemoveAsync(string socketPath, string name)
    {
        using var http = Client(socketPath);
        using var response = await http.DeleteAsync($"v4.0.0/libpod/images/{Uri.EscapeDataString(name)}");
    }

    /// <summary>Whether an image (by name or id) is in the service's storage.</summary>
    public static async Task<bool> ExistsAsync(string socketPath, string nameOrId)
    {
        using var http = Client(socketPath);
        using var response = await http.GetAsync($"v4.0.0/libpod/images/{Uri.EscapeDataString(nameOrId)}/exists");
        return response.IsSuccessStatusCode;
    }

    private static HttpClient Client(string socketPath)
    {
        var handler = new SocketsHttpHandler
        {
            ConnectCallback = async (_, ct) =>
            {
                var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
                await socket.ConnectAsync(new UnixDomainSocketEndPoint(socketPath), ct);
                return new NetworkStream(socket, ownsSocket: true);
            },
        };
        return new HttpClient(handler) { BaseAddress = new Uri("http://podman/") };
    }
}
