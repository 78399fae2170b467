using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text.Json;

namespace QuayBuilder.Podman.Tests;

/// <summary>RemoveImageAsync never forces: an image a container uses stays (issue 14).</summary>
[Collection(PodmanCollection.Name)]
public sealed class ImageRemovalTests(PodmanFixture podman)
{
    private static readonly CancellationToken None = CancellationToken.None;

    [Fact]
    public async Task RemoveImage_WhenAContainerUsesIt_ReturnsFalseAndKeepsItThenRemovesItOnceFree()
    {
        await using var client = new PodmanClient(podman.SocketPath);
        var tag = $"localhost/{TestEnvironment.Unique("qbtest-inuse")}:latest";
        var id = await client.BuildAsync(
            new BuildParameters { Tag = tag },
            BuildContextTar.From(new Dictionary<string, string> { ["Dockerfile"] = $"FROM {podman.BaseImage}\nRUN echo in-use > /f\n" }),
            _ => { },
            None);
        using var http = Raw(podman.SocketPath);
        using var created = await http.PostAsJsonAsync("v4.0.0/libpod/containers/create", new Dictionary<string, object> { ["image"] = tag, ["command"] = new[] { "true" } });
        Assert.True(created.IsSuccessStatusCode, await created.Content.ReadAsStringAsync());
        var container = JsonDocument.Parse(await created.Content.ReadAsStringAsync()).RootElement.GetProperty("Id").GetString();
        try
        {
            Assert.False(await client.RemoveImageAsync(tag, None));
            Assert.False(await client.RemoveImageAsync(id, None));
            Assert.NotNull(await client.InspectImageAsync(id, None));
        }
        finally
        {
            using var removed = await http.DeleteAsync($"v4.0.0/libpod/containers/{container}?force=true");
        }

        Assert.True(await client.RemoveImageAsync(tag, None));
        Assert.Null(await client.InspectImageAsync(id, None));
    }

    private static HttpClient Raw(string socketPath) => new(new SocketsHttpHandler
    {
        ConnectCallback = async (_, ct) =>
        {
            var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            await socket.ConnectAsync(new UnixDomainSocketEndPoint(socketPath), ct);
            return new NetworkStream(socket, ownsSocket: true);
        },
    })
    { BaseAddress = new Uri("http://podman/") };
}
