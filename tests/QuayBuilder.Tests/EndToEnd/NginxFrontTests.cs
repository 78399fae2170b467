using QuayBuilder.Protocol;

namespace QuayBuilder.Tests.EndToEnd;

/// <summary>
/// Issue 16 behind a real nginx with Quay's server block for the build manager (TLS, HTTP/2,
/// <c>client_max_body_size 5M</c>): nginx cuts a LogMessage stream that has carried 5 MB, and one
/// on which the manager sent nothing for <c>grpc_read_timeout</c>. Nothing may be stored twice.
/// </summary>
[Collection(EndToEndCollection.Name)]
public sealed class NginxFrontTests
{
    private static async Task<WorkerRun> RunBehindAsync(NginxGrpcFrontHolder holder, string dockerfileBody, TimeSpan? grpcReadTimeout = null)
    {
        var services = await TestServices.GetAsync();
        var package = BuildPackages.TarGz(new Dictionary<string, string> { ["Dockerfile"] = $"FROM {services.BaseImage}\n{dockerfileBody}" });
        var run = await WorkerRun.CreateAsync(p => p.Add("build.tar.gz", package));
        holder.Front = await NginxGrpcFront.StartAsync(run.Server.Port, grpcReadTimeout);
        run.Environment["SERVER"] = holder.Front.Address;
        run.Environment["INSECURE"] = "false";
        run.Environment["TLS_CERT_PATH"] = holder.Front.CertificatePath;
        return run;
    }

    [Fact]
    public async Task Worker_BehindQuaysNginx_DeliversSixtyThousandLinesOnceEachAndInOrder()
    {
        await using var holder = new NginxGrpcFrontHolder();

        // 60,000 lines of 100 bytes: 6 MB of output, more than nginx lets one stream carry.
        // The sleep keeps the RUN alive while Podman forwards its last output: without it the
        // Podman service dropped the tail of this output (a few hundred lines, cut mid-line before
        // COMMIT) in about one run in four on a loaded machine, with or without nginx.
        var tag = Guid.NewGuid().ToString("N")[..8];
        await using var run = await RunBehindAsync(holder,
            $"RUN awk 'BEGIN {{ for (i = 0; i < 60000; i++) printf \"n-{tag}-%06d %s\\n\", i, \"{new string('x', 80)}\" }}'; sleep 1\n");

        var result = await run.RunAsync(TimeSpan.FromMinutes(4));

        Assert.True(result.ExitCode == 0, result + holder.Front!.ErrorLog);
        Assert.Equal(Phase.Complete, run.Manager.PhaseSequence[^1]);
        var numbered = run.Manager.LogLines.Select(l => l.Text).Where(t => t.StartsWith($"n-{tag}-", StringComparison.Ordinal)).ToList();
        var missing = Enumerable.Range(0, 60_000).Select(i => $"n-{tag}-{i:D6} {new string('x', 80)}\n").Except(numbered).ToList();
        Assert.True(numbered.Count == 60_000, $"{numbered.Count} lines; missing {missing.Count}: {string.Join(", ", missing.Take(3))} .. {string.Join(", ", missing.TakeLast(3))}; after: {string.Join(" | ", run.Manager.LogLines.Select(l => l.Text).SkipWhile(t => t != numbered[^1]).Take(8))}; streams {run.Manager.LogStreamsOpened}, completed {run.Manager.LogStreamsCompleted}\n{result}\n{holder.Front!.ErrorLog}");
        Assert.Equal(Enumerable.Range(0, 60_000).Select(i => $"n-{tag}-{i:D6} {new string('x', 80)}\n"), numbered);
        var everything = run.Manager.LogLines.Select(l => l.Text).ToList();
        Assert.Equal(everything.Count, everything.Distinct().Count());
        Assert.True(run.Manager.LogStreamsOpened >= 2, $"streams: {run.Manager.LogStreamsOpened}");
        Assert.InRange(run.Manager.LongestLogStreamBytes, 1, 4 * 1024 * 1024);
        Assert.DoesNotContain("Log stream broken", result.Output, StringComparison.Ordinal);
        Assert.Empty(run.Manager.Violations);
    }

    [Fact]
    public async Task Worker_BehindNginxWhoseReadTimeoutCutsAQuietStream_LosesAndRepeatsNothing()
    {
        await using var holder = new NginxGrpcFrontHolder();

        // 5 s stands in for nginx's default 60 s, so the test does not wait minutes; the RUN is
        // quiet for 12 s, so nginx cuts the idle stream (twice over) before the output resumes.
        var tag = Guid.NewGuid().ToString("N")[..8];
        await using var run = await RunBehindAsync(holder,
            $"RUN i=0; while [ $i -lt 100 ]; do echo early-{tag}-$i; i=$((i+1)); done; sleep 12; i=0; while [ $i -lt 100 ]; do echo late-{tag}-$i; i=$((i+1)); done; sleep 1\n",
            TimeSpan.FromSeconds(5));

        var result = await run.RunAsync(TimeSpan.FromMinutes(4));

        Assert.True(result.ExitCode == 0, result + holder.Front!.ErrorLog);
        Assert.Equal(Phase.Complete, run.Manager.PhaseSequence[^1]);
        var texts = run.Manager.LogLines.Select(l => l.Text).ToList();
        Assert.Equal(Enumerable.Range(0, 100).Select(i => $"early-{tag}-{i}\n"), texts.Where(t => t.StartsWith($"early-{tag}-", StringComparison.Ordinal)));
        Assert.Equal(Enumerable.Range(0, 100).Select(i => $"late-{tag}-{i}\n"), texts.Where(t => t.StartsWith($"late-{tag}-", StringComparison.Ordinal)));
        Assert.Equal(texts.Count, texts.Distinct().Count());
        Assert.True(run.Manager.LogStreamsOpened >= 2, $"streams: {run.Manager.LogStreamsOpened}");
        Assert.Contains("upstream timed out", holder.Front.ErrorLog, StringComparison.Ordinal);
        Assert.Empty(run.Manager.Violations);
    }

    /// <summary>Disposes the nginx a test started, after the run (which owns the manager) is gone.</summary>
    private sealed class NginxGrpcFrontHolder : IAsyncDisposable
    {
        public NginxGrpcFront? Front { get; set; }

        public async ValueTask DisposeAsync()
        {
            if (Front is not null)
            {
                await Front.DisposeAsync();
            }
        }
    }
}
