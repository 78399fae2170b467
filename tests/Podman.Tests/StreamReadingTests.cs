using System.Net;
using System.Text;

namespace QuayBuilder.Podman.Tests;

/// <summary>
/// How a streamed answer is read (issue 16: every RUN line reaches the build log): however the
/// socket splits it, and however slow the consumer is, no byte is lost and the runtime is never
/// kept waiting on us.
/// </summary>
public sealed class StreamReadingTests
{
    private static readonly CancellationToken None = CancellationToken.None;

    // Two JSON messages per line of output, the split points that matter: inside a JSON object,
    // inside an escape, inside multi-byte UTF-8 (é is 2 bytes, € 3, 😀 4), between \r and \n,
    // and a final message without a trailing newline.
    private const string Body =
        "{\"stream\":\"STEP 2/2: RUN printf ...\\n\"}\n" +
        "{\"stream\":\"caf\u00e9 \u20ac \U0001F600 \\u00e9\\\"quoted\\\"\\n\"}\r\n" +
        "\n" +
        "{\"stream\":\"line without newline\"}\n" +
        "{\"stream\":\"COMMIT localhost/x:latest\\n\"}\n" +
        "{\"aux\":{\"ID\":\"sha256:" + ImageId + "\"}}\n" +
        "{\"stream\":\"" + ImageId + "\"}";

    private const string ImageId = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

    private const string Text =
        "STEP 2/2: RUN printf ...\n" +
        "caf\u00e9 \u20ac \U0001F600 \u00e9\"quoted\"\n" +
        "line without newline" +
        "COMMIT localhost/x:latest\n" +
        ImageId;

    [Fact]
    public async Task ReadStream_WhenBodySplitAtEveryByte_DeliversEveryMessageWhole()
    {
        var bytes = Encoding.UTF8.GetBytes(Body);
        using var connection = new RuntimeConnection("/nonexistent/podman.sock");
        for (var split = 0; split <= bytes.Length; split++)
        {
            var messages = new List<PodmanMessage>();
            using var response = Response(new ScriptedBody([bytes[..split], bytes[split..]]));

            var summary = await connection.ReadStreamAsync(response, "Building x", prefixErrors: false, messages.Add, None);

            Assert.Equal(Text, string.Concat(messages.Select(m => m.Stream)));
            Assert.Equal("sha256:" + ImageId, summary.ImageId);
        }
    }

    [Fact]
    public async Task ReadStream_WhenBodyArrivesOneByteAtATime_DeliversEveryMessageWhole()
    {
        var pieces = Encoding.UTF8.GetBytes(Body).Select(b => new[] { b }).ToList();
        using var connection = new RuntimeConnection("/nonexistent/podman.sock");
        var messages = new List<PodmanMessage>();
        using var response = Response(new ScriptedBody(pieces));

        var summary = await connection.ReadStreamAsync(response, "Building x", prefixErrors: false, messages.Add, None);

        Assert.Equal(Text, string.Concat(messages.Select(m => m.Stream)));
        Assert.Equal(ImageId, summary.LastBareId);
    }

    [Fact]
    public async Task ReadStream_WhenConsumerIsBusy_ReadsTheWholeBodyMeanwhile()
    {
        // The root cause of issue 16's lost tail: the answer must keep flowing while onMessage
        // works, or Podman's chroot isolation drops what the RUN printed last (PrefetchStream).
        var line = Encoding.UTF8.GetBytes("{\"stream\":\"" + new string('x', 8000) + "\\n\"}\n");
        var body = new ScriptedBody(Enumerable.Repeat(line, 200).ToList()); // 1.6 MB, more than any socket buffer
        using var connection = new RuntimeConnection("/nonexistent/podman.sock");
        var endReadWhileBusy = false;
        var count = 0;
        using var response = Response(body);

        await connection.ReadStreamAsync(response, "Building x", prefixErrors: false, _ =>
        {
            if (count++ == 0)
            {
                endReadWhileBusy = body.EndReached.Task.Wait(TimeSpan.FromSeconds(5));
            }
        }, None);

        Assert.True(endReadWhileBusy, "the body was not read to its end while the first message was being handled");
        Assert.Equal(200, count);
    }

    [Fact]
    public async Task ReadStream_WhenConnectionBreaksAfterSomeOutput_DeliversItThenSaysTheConnectionBroke()
    {
        var bytes = Encoding.UTF8.GetBytes("{\"stream\":\"first\\n\"}\n{\"stream\":\"second\\n\"}\n");
        using var connection = new RuntimeConnection("/nonexistent/podman.sock");
        var messages = new List<PodmanMessage>();
        using var response = Response(new ScriptedBody([bytes], new IOException("connection reset by peer")));

        var e = await Assert.ThrowsAsync<PodmanException>(() =>
            connection.ReadStreamAsync(response, "Building x", prefixErrors: false, messages.Add, None));

        Assert.Equal("first\nsecond\n", string.Concat(messages.Select(m => m.Stream)));
        Assert.Contains("Building x failed: the connection to the container runtime at /nonexistent/podman.sock broke (connection reset by peer)", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ReadStream_WhenErrorLineArrives_StopsReadingAndThrowsIt()
    {
        var bytes = Encoding.UTF8.GetBytes("{\"stream\":\"one\\n\"}\n{\"error\":\"building at STEP \\\"RUN false\\\": exit status 1\"}\n");
        var endless = Enumerable.Repeat(Encoding.UTF8.GetBytes("{\"stream\":\"more\\n\"}\n"), 10_000).Prepend(bytes).ToList();
        using var connection = new RuntimeConnection("/nonexistent/podman.sock");
        using var response = Response(new ScriptedBody(endless));

        var e = await Assert.ThrowsAsync<PodmanException>(() =>
            connection.ReadStreamAsync(response, "Building x", prefixErrors: false, _ => { }, None));

        Assert.Equal("building at STEP \"RUN false\": exit status 1", e.Message);
    }

    private static HttpResponseMessage Response(Stream body) =>
        new(HttpStatusCode.OK) { Content = new StreamContent(body) };
}
