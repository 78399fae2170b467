using System.Net.Sockets;
using System.Text.Json;

namespace QuayBuilder.Podman.Tests;

/// <summary>
/// <see cref="BuildParameters.Timestamp"/> and <see cref="BuildParameters.Labels"/> against the
/// real service (docs/adr/0012-reproducible-images.md): libpod applies labels as LABEL steps in
/// the order sent and records the timestamp; the Docker-compatible API sets the labels.
/// </summary>
[Collection(PodmanCollection.Name)]
public sealed class BuildProvenanceTests(PodmanFixture podman)
{
    private static readonly CancellationToken None = CancellationToken.None;

    private static readonly KeyValuePair<string, string>[] Labels =
    [
        new("org.opencontainers.image.source", "git@example.com:acme/web.git"),
        new("org.opencontainers.image.revision", "0123456789abcdef0123456789abcdef01234567"),
        new("org.opencontainers.image.created", "2023-11-14T22:13:20Z"),
    ];

    [Fact]
    public async Task Build_WhenLibpodGetsLabelsAndATimestamp_AppliesThemInOrderAndRecordsTheTime()
    {
        await using var client = new PodmanClient(podman.SocketPath);
        var tag = $"localhost/qbtest/{TestEnvironment.Unique("provenance")}:built";
        var messages = new List<PodmanMessage>();
        var context = BuildContextTar.From(new Dictionary<string, string>
        {
            ["Dockerfile"] = $"FROM {podman.BaseImage}\nLABEL org.opencontainers.image.source=from-dockerfile\nENV UNIQUE={Guid.NewGuid():N}\n",
        });

        var id = await client.BuildAsync(
            new BuildParameters { Tag = tag, ImageFormat = "oci", Timestamp = 1700000000, Labels = Labels }, context, messages.Add, None);

        try
        {
            var steps = string.Concat(messages.Select(m => m.Stream)).Split('\n').Where(l => l.StartsWith("STEP ", StringComparison.Ordinal)).ToList();
            Assert.Equal(
                [
                    "STEP 4/6: LABEL \"org.opencontainers.image.source\"=\"git@example.com:acme/web.git\"",
                    "STEP 5/6: LABEL \"org.opencontainers.image.revision\"=\"0123456789abcdef0123456789abcdef01234567\"",
                    "STEP 6/6: LABEL \"org.opencontainers.image.created\"=\"2023-11-14T22:13:20Z\"",
                ],
                steps.Skip(3));
            using var image = await InspectAsync(id);
            Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(1700000000), image.RootElement.GetProperty("Created").GetDateTimeOffset());
            var labels = image.RootElement.GetProperty("Labels");
            // Podman's labels come after the Dockerfile's, so they win: the worker leaves out a key the Dockerfile sets.
            Assert.Equal("git@example.com:acme/web.git", labels.GetProperty("org.opencontainers.image.source").GetString());
            Assert.Equal("0123456789abcdef0123456789abcdef01234567", labels.GetProperty("org.opencontainers.image.revision").GetString());
        }
        finally
        {
            await client.RemoveImageAsync(id, None);
            await client.PruneDanglingImagesAsync(None);
        }
    }

    [Fact]
    public async Task Build_WhenTheDockerApiGetsLabels_SetsThem()
    {
        await using var client = new DockerApiClient(podman.SocketPath);
        var tag = $"localhost/qbtest/{TestEnvironment.Unique("dprovenance")}:built";
        await client.PullAsync(podman.BaseImage, null, _ => { }, None);
        var context = BuildContextTar.From(new Dictionary<string, string>
        {
            ["Dockerfile"] = $"FROM {podman.BaseImage}\nENV UNIQUE={Guid.NewGuid():N}\n",
        });

        var id = await client.BuildAsync(new BuildParameters { Tag = tag, Labels = Labels }, context, _ => { }, None);

        try
        {
            using var image = await InspectAsync(id);
            var labels = image.RootElement.GetProperty("Labels");
            foreach (var (key, value) in Labels)
            {
                Assert.Equal(value, labels.GetProperty(key).GetString());
            }
        }
        finally
        {
            await client.RemoveImageAsync(id, None);
            await client.PruneDanglingImagesAsync(None);
        }
    }

    private async Task<JsonDocument> InspectAsync(string id)
    {
        using var handler = new SocketsHttpHandler
        {
            ConnectCallback = async (_, ct) =>
            {
                var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
                await socket.ConnectAsync(new UnixDomainSocketEndPoint(podman.SocketPath), ct);
                return new NetworkStream(socket, ownsSocket: true);
            },
        };
        using var http = new HttpClient(handler) { BaseAddress = new Uri("http://podman/") };
        return JsonDocument.Parse(await http.GetStringAsync($"v4.0.0/libpod/images/{id}/json"));
    }
}
