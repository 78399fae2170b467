using System.Net.Sockets;
using System.Text.Json;

namespace QuayBuilder.Tests.EndToEnd;

/// <summary>What images the Podman service holds, asked over its socket.</summary>
internal static class PodmanImages
{
    /// <summary>Every name (RepoTags) of every image in the service's storage.</summary>
    public static async Task<IReadOnlyList<string>> NamesAsync(string socketPath)
    {
        using var handler = new SocketsHttpHandler
        {
            ConnectCallback = async (_, ct) =>
            {
                var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
                await socket.ConnectAsync(new UnixDomainSocketEndPoint(socketPath), ct);
                return new NetworkStream(socket, ownsSocket: true);
            },
        };
        using var http = new HttpClient(handler) { BaseAddress = new Uri("http://podman/") };
        using var json = JsonDocument.Parse(await http.GetStringAsync("v4.0.0/libpod/images/json?all=true"));
        return [.. json.RootElement.EnumerateArray()
            .SelectMany(image => image.TryGetProperty("Names", out var names) && names.ValueKind == JsonValueKind.Array
                ? names.EnumerateArray().Select(n => n.GetString()!)
                : [])];
    }
}
