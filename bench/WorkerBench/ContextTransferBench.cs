using System.Diagnostics;
using QuayBuilder.BuildContext;

namespace QuayBuilder.WorkerBench;

/// <summary>
/// Figure 4: the worker's context tar (ContextTarWriter, the code that feeds Podman's build
/// request) for a context whose .dockerignore drops half of it, into a counting null sink.
/// The tree is read from the page cache (it was just generated or used), so this is the tar
/// writer's own speed, not the disk's.
/// </summary>
internal static class ContextTransferBench
{
    public static async Task RunAsync(BenchEnvironment bench)
    {
        int files = bench.Smoke ? 300 : 30_000;
        Console.WriteLine($"4. Context transfer: {files:N0} files, .dockerignore drops drop/ (half)");
        var root = ContextTree.Ensure(bench.Options.WorkDirectory, files, 10_000);
        long kept = ContextTree.FileBytes(Path.Combine(root, "keep"));
        long all = kept + ContextTree.FileBytes(Path.Combine(root, "drop"));
        var dockerfile = Path.Combine(root, "Dockerfile");
        var ignore = Path.Combine(root, ".dockerignore");
        File.WriteAllText(dockerfile, $"FROM {bench.Services.BaseImage}\nCOPY keep/ /app/\n");
        File.WriteAllText(ignore, "drop/\n");
        try
        {
            var context = BuildContextResolver.Resolve(root, string.Empty, "Dockerfile");
            int runs = bench.Smoke ? 1 : 3;
            var (sent, stats, rate) = await TarAsync(context, runs);

            // Baseline in the same run: the same tree with no ignore file, everything sent.
            File.Delete(ignore);
            var (everything, allStats, allRate) = await TarAsync(context, runs);

            long framing = sent - kept;
            bool onlyKept = stats.Files == (files / 2) + 2 && stats.Bytes < kept + 4096 && allStats.Files == files + 1;
            bench.Report.Check(onlyKept, $"context tar sent {stats.Files} files / {stats.Bytes} bytes with the ignore file (expected {files / 2} kept + Dockerfile + .dockerignore, {kept} bytes) and {allStats.Files} without");
            bench.Report.Check(framing >= 0 && framing <= (files / 2 * 3072L) + 65536, $"context tar is {sent} bytes for {kept} kept bytes: more than tar headers can explain");
            double ratio = (double)sent / everything;
            bench.Report.Add(new Figure("4", "tar bytes to Podman with .dockerignore / without", $"{BenchReport.Format(sent / 1e6, "0.0")} MB / {BenchReport.Format(everything / 1e6, "0.0")} MB = {BenchReport.Format(ratio, "0.000")}",
                "only the kept half", onlyKept && ratio <= 0.501,
                $"file data sent {BenchReport.Format(stats.Bytes / 1e6, "0.0")} MB = the kept half exactly; tar framing {BenchReport.Format(framing / (double)stats.Files, "0")} B per entry"));
            bench.Report.Add(new Figure("4", "context tar stream into a null sink, with .dockerignore", $"{BenchReport.Format(rate, "0")} MB/s", string.Empty, null,
                $"median of {runs}, page cache warm; without the ignore file {BenchReport.Format(allRate, "0")} MB/s"));
        }
        finally
        {
            File.Delete(dockerfile);
            File.Delete(ignore);
        }
    }

    private static async Task<(long Sent, ContextTarStats Stats, double MegabytesPerSecond)> TarAsync(ResolvedContext context, int runs)
    {
        var rates = new List<double>();
        long sent = 0;
        ContextTarStats? stats = null;
        for (int run = 0; run < runs; run++)
        {
            var sink = new CountingStream();
            var watch = Stopwatch.StartNew();
            stats = await ContextTarWriter.WriteAsync(context, sink, CancellationToken.None);
            rates.Add(sink.Count / 1e6 / watch.Elapsed.TotalSeconds);
            sent = sink.Count;
        }

        return (sent, stats!, BenchReport.Median(rates));
    }
}
