using System.Globalization;
using System.Text.RegularExpressions;

namespace QuayBuilder.Podman.Tests;

/// <summary>Every line a RUN prints reaches onMessage, however much it prints (issue 16).</summary>
[Collection(PodmanCollection.Name)]
public sealed partial class LargeOutputTests(PodmanFixture podman)
{
    private const int Lines = 10_000;
    private const int Batch = 500;
    private static readonly CancellationToken None = CancellationToken.None;

    /// <summary>
    /// A consumer slower than the RUN prints (the worker masks, translates and queues every line),
    /// no sleep after the RUN, chroot isolation. When the answer was read at the consumer's pace,
    /// Podman 4.3.1 dropped the end of the RUN's output (up to 64 KiB, cut mid-line, right before
    /// COMMIT) in 6 of 14 of these builds, so the test builds twice; see PrefetchStream.
    /// </summary>
    [Fact]
    public async Task Build_WhenConsumerIsSlowerThanTheRun_EveryLineArrivesBeforeCommit()
    {
        await using var client = new PodmanClient(podman.SocketPath);
        // 100-byte numbered lines, 1 MB in all (more than the socket and pipe buffers hold), in
        // batches of 50 KB 20 ms apart and none after the last: a pace Podman itself keeps up with,
        // so that only the reader can make it fall behind.
        var sed = $"sed 's/^\\(.*\\)$/line-\\1 {new string('x', 80)} end-\\1/'";
        var run = $"for b in $(seq 0 {(Lines / Batch) - 1}); do [ $b -eq 0 ] || sleep 0.02; seq $((b*{Batch}+1)) $((b*{Batch}+{Batch})) | {sed}; done";
        var dockerfile = $"FROM {podman.BaseImage}\nRUN {run}\n";
        for (var build = 1; build <= 2; build++)
        {
            var tag = $"localhost/{TestEnvironment.Unique("qbtest-tail")}:latest";
            var messages = new List<PodmanMessage>();
            try
            {
                await client.BuildAsync(
                    new BuildParameters { Tag = tag, Isolation = "chroot" },
                    BuildContextTar.From(new Dictionary<string, string> { ["Dockerfile"] = dockerfile }),
                    m =>
                    {
                        messages.Add(m);
                        if (m.Stream?.Length > 1000)
                        {
                            Thread.Sleep(40);
                        }
                    },
                    None);
            }
            finally
            {
                await client.RemoveImageAsync(tag, None);
            }

            var text = BuildOutput.Text(messages);
            var commit = text.IndexOf("COMMIT ", StringComparison.Ordinal);
            Assert.True(commit > 0, $"build {build}: the output has no COMMIT line");
            var received = NumberedLine().Matches(text[..commit])
                .Where(m => m.Groups[1].Value == m.Groups[2].Value)
                .Select(m => int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture))
                .ToList();
            Assert.True(
                received.SequenceEqual(Enumerable.Range(1, Lines)),
                $"build {build}: {Lines - received.Count} of {Lines} lines missing; the last received is {received.LastOrDefault()}; before COMMIT: '{text[Math.Max(0, commit - 60)..commit]}'");
        }
    }

    [Fact]
    public async Task Build_WhenCancelledWhileRunPrints_StopsPromptly()
    {
        await using var client = new PodmanClient(podman.SocketPath);
        var tag = $"localhost/{TestEnvironment.Unique("qbtest-tail")}:latest";
        var dockerfile = $"FROM {podman.BaseImage}\nRUN for i in $(seq 1 100); do echo tick $i; sleep 0.1; done\n";
        using var cancel = new CancellationTokenSource();
        var watch = new System.Diagnostics.Stopwatch();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => client.BuildAsync(
            new BuildParameters { Tag = tag },
            BuildContextTar.From(new Dictionary<string, string> { ["Dockerfile"] = dockerfile }),
            m =>
            {
                if (m.Stream?.Contains("tick 1", StringComparison.Ordinal) == true && !watch.IsRunning)
                {
                    watch.Start();
                    cancel.Cancel();
                }
            },
            cancel.Token));

        Assert.True(watch.IsRunning, "the RUN printed nothing before the build ended");
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(3), $"the build took {watch.Elapsed.TotalSeconds:0.0} s to stop after cancellation");
        await client.PruneDanglingImagesAsync(None);
    }

    [GeneratedRegex(@"^line-(\d+) x+ end-(\d+)$", RegexOptions.Multiline)]
    private static partial Regex NumberedLine();
}
