using System.Text;
using QuayBuilder.Protocol;
using QuayBuilder.Tests.Support;

namespace QuayBuilder.Tests.EndToEnd;

/// <summary>Issue 16 with the published worker and real Podman: any RUN output reaches the build log.</summary>
[Collection(EndToEndCollection.Name)]
public sealed class LogDeliveryEndToEndTests
{
    // Each RUN ends with `sleep 1`: the Podman service was seen to drop the last output of a RUN
    // that exits right after printing a lot (see NginxFrontTests), which is not what these test.
    private static async Task<WorkerRun> RunWithDockerfileAsync(string dockerfileBody)
    {
        var services = await TestServices.GetAsync();
        var package = BuildPackages.TarGz(new Dictionary<string, string> { ["Dockerfile"] = $"FROM {services.BaseImage}\n{dockerfileBody}" });
        return await WorkerRun.CreateAsync(p => p.Add("build.tar.gz", package));
    }

    [Fact]
    public async Task Worker_WhenARunPrintsASixMegabyteLineWithNoNewline_DeliversItWholeThenTheMarkerAndCompletes()
    {
        // 750,000 numbered 8-byte cells: exactly 6,000,000 bytes on one line, more than the
        // 4 MiB one message may hold on a default gRPC server (the fake keeps that limit).
        var marker = "marker-" + Guid.NewGuid().ToString("N")[..8];
        await using var run = await RunWithDockerfileAsync(
            $"RUN awk 'BEGIN {{ for (i = 0; i < 750000; i++) printf \"%07d|\", i }}'; echo; echo {marker}; sleep 1\n");

        var result = await run.RunAsync();

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal(Phase.Complete, run.Manager.PhaseSequence[^1]);
        var expected = new StringBuilder(6_000_001);
        for (int i = 0; i < 750_000; i++)
        {
            expected.Append(i.ToString("D7", System.Globalization.CultureInfo.InvariantCulture)).Append('|');
        }

        var big = expected.Append('\n').ToString();
        var lines = LogReassembly.Lines(run.Manager.LogLines);
        int at = lines.ToList().IndexOf(big);
        Assert.True(at >= 0, $"the 6 MB line did not arrive whole; longest line: {lines.Max(l => l.Length)} chars");
        Assert.Equal(marker + "\n", lines[at + 1]);
        Assert.True(run.Manager.LogLines.Count(l => l.Json.Contains("\"partial\"", StringComparison.Ordinal)) >= 6_000_000 / (16 * 1024));
        Assert.All(run.Manager.LogLines, l => Assert.True(Encoding.UTF8.GetByteCount(l.Text) <= 16 * 1024, $"line {l.Sequence} is {l.Text.Length} chars"));
        Assert.Equal(0, run.Manager.RefusedLogRequests);
        Assert.Empty(run.Manager.Violations);
        Assert.DoesNotContain("Not every log line", result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Worker_WhenTheManagerRefusesOneLogLine_SendsOneDropNoticeThenEverythingAfterIt()
    {
        var tag = Guid.NewGuid().ToString("N")[..8];

        // The Dockerfile spells it poi""son so that only the RUN's output, not its step header, is refused.
        await using var run = await RunWithDockerfileAsync(
            $"RUN echo before-{tag}; echo poi\"\"son-{tag}; i=0; while [ $i -lt 50 ]; do echo after-{tag}-$i; i=$((i+1)); done; sleep 1\n");
        run.Manager.RefuseLogRequest = request => request.LogMessage.Contains("poison-" + tag, StringComparison.Ordinal);

        var result = await run.RunAsync();

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal(Phase.Complete, run.Manager.PhaseSequence[^1]);
        Assert.Equal(1, run.Manager.RefusedLogRequests);
        var texts = run.Manager.LogLines.Select(l => l.Text).ToList();
        var notices = texts.Where(t => t.Contains("was dropped: the build manager refused it (ResourceExhausted", StringComparison.Ordinal)).ToList();
        Assert.Single(notices);
        int notice = texts.IndexOf(notices[0]);
        Assert.Equal($"before-{tag}\n", texts[notice - 1]);
        Assert.Equal(Enumerable.Range(0, 50).Select(i => $"after-{tag}-{i}\n"), texts.Skip(notice + 1).Take(50));
        Assert.DoesNotContain(texts, t => t.Contains("poison-" + tag, StringComparison.Ordinal));
        Assert.Empty(run.Manager.Violations);
    }

    [Fact]
    public async Task Worker_WhenARunPrintsPastLogMaxBytes_CutsTheLogWithOneNoticeAndTheBuildCompletes()
    {
        var tag = Guid.NewGuid().ToString("N")[..8];
        await using var run = await RunWithDockerfileAsync(
            $"RUN i=0; while [ $i -lt 3000 ]; do echo filler-{tag}-$i; i=$((i+1)); done; echo last-{tag}\n");
        run.Environment["LOG_MAX_BYTES"] = "30000";

        var result = await run.RunAsync();

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal([Phase.Unpacking, Phase.Pulling, Phase.Building, Phase.Pushing, Phase.Complete], run.Manager.PhaseSequence);
        var texts = run.Manager.LogLines.Select(l => l.Text).ToList();
        Assert.Single(texts, t => t.Contains("the build log reached its limit of 30,000 bytes (LOG_MAX_BYTES)", StringComparison.Ordinal));
        Assert.DoesNotContain($"last-{tag}\n", texts);
        var kept = texts.Where(t => t.StartsWith($"filler-{tag}-", StringComparison.Ordinal)).ToList();
        Assert.InRange(kept.Count, 100, 2999);
        Assert.Equal(Enumerable.Range(0, kept.Count).Select(i => $"filler-{tag}-{i}\n"), kept);
        Assert.True(texts.Where(t => !t.StartsWith("Warning: the build log", StringComparison.Ordinal)).Sum(t => Encoding.UTF8.GetByteCount(t)) <= 30_000);
        Assert.Contains(texts, t => t.Contains("lines of output were left out", StringComparison.Ordinal));
        Assert.Empty(run.Manager.Violations);
    }
}
