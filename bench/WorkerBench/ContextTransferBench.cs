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
            var rates = new List<double>();
            long sent = 0;
            ContextTarStats? stats = null;
            for (int run = 0; run < (bench.Smoke ? 1 : 3); run++)
            {
                var sink = new CountingStream();
                var watch = Stopwatch.StartNew();
                stats = await ContextTarWriter.WriteAsync(context, sink, CancellationToken.None);
                rates.Add(sink.Count / 1048576.0 / watch.Elapsed.TotalSeconds);
                sent = sink.Count;
            }

            // The kept half plus tar headers (PAX: ~1.5 KiB per entry) and the two small files.
            long overhead = sent - kept;
            bench.Report.Check(stats!.Files == (files / 2) + 2, $"context tar sent {stats.Files} files; expected the {files / 2} kept ones plus Dockerfile and .dockerignore");
            bench.Report.Check(overhead >= 0 && overhead <= (files / 2 * 3072L) + 65536, $"context tar is {sent} bytes for {kept} kept bytes: more than headers can explain");
            bench.Report.Add(new Figure("4", "bytes sent to Podman / bytes in the context", $"{BenchReport.Format(sent / 1048576.0, "0.0")} MB / {BenchReport.Format(all / 1048576.0, "0.0")} MB = {BenchReport.Format((double)sent / all, "0.000")}",
                "only the kept half", stats.Files == (files / 2) + 2 && sent < all / 2 + (files / 2 * 3072L) + 65536,
                $"kept files {BenchReport.Format(kept / 1048576.0, "0.0")} MB + {BenchReport.Format(overhead / 1024.0, "0")} KiB tar headers; {stats.ExcludedEntries} entries excluded"));
            var median = BenchReport.Median(rates);
            bench.Report.Add(new Figure("4", "context tar stream into a null sink", $"{BenchReport.Format(median, "0")} MB/s", string.Empty, null,
                $"median of {rates.Count}, page cache warm"));
        }
        finally
        {
            File.Delete(dockerfile);
            File.Delete(ignore);
        }
    }
}
