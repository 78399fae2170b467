using System.Diagnostics;
using QuayBuilder.Protocol;

namespace QuayBuilder.WorkerBench;

/// <summary>
/// Figure 2: process start to the first RPC (Ping) at the manager, idle RSS while registered
/// and heartbeating, peak RSS while building a large context; AOT beside JIT.
/// </summary>
internal static class StartupBench
{
    public static async Task RunAsync(BenchEnvironment bench)
    {
        Console.WriteLine("2. Start-up and memory");
        var size = new FileInfo(bench.Options.AotBinary).Length;
        bench.Report.Add(new Figure("2", "AOT binary size", $"{BenchReport.Format(size / 1048576.0)} MiB", string.Empty, null, "stripped, linux-x64"));
        foreach (var (kind, binary) in bench.Binaries())
        {
            await FirstRpcAsync(bench, kind, binary, bench.Smoke ? 3 : 21);
        }

        foreach (var (kind, binary) in bench.Binaries())
        {
            await IdleRssAsync(bench, kind, binary);
        }

        int files = bench.Smoke ? 300 : 30_000;
        var root = ContextTree.Ensure(bench.Options.WorkDirectory, files, 10_000);
        var dockerfile = $"FROM {bench.Services.BaseImage}\nCOPY keep/d0000/ /probe/\nRUN ls /probe | wc -l\n";
        var package = ContextTree.Package(root, dockerfile);
        var url = bench.AddPackage($"big-{files}.tar.gz", package);
        var contextMb = ContextTree.FileBytes(root) / 1e6;
        foreach (var (kind, binary) in bench.Binaries())
        {
            await using var job = await WorkerJob.CreateAsync(bench, url, "bench/big-" + Guid.NewGuid().ToString("N")[..8]);
            using var worker = job.Start(binary);
            var exit = await worker.WaitForExitAsync(TimeSpan.FromMinutes(15));
            if (!bench.Report.Check(exit == 0 && job.Manager.CurrentPhase == Phase.Complete, $"{kind}: the {files}-file build exited {exit} in phase {job.Manager.CurrentPhase}:\n{worker.Output}"))
            {
                continue;
            }

            bench.Report.Check(job.Manager.LogText.Contains("100\n", StringComparison.Ordinal), $"{kind}: the build did not see keep/d0000's 100 files");
            var peak = worker.PeakHwmKb / 1024.0;
            var total = Stopwatch.GetElapsedTime(worker.StartTimestamp).TotalSeconds;
            bench.Report.Add(new Figure("2", $"{kind}: peak RSS, build of a {BenchReport.Format(contextMb, "0")} MB / {files:N0}-file context", $"{BenchReport.Format(peak)} MiB",
                BenchReport.TargetFor(kind, "≤ 64 MiB"), BenchReport.JudgeFor(kind, peak <= 64), $"package {BenchReport.Format(package.Length / 1e6, "0")} MB gz, build+push {BenchReport.Format(job.SecondsTo(worker, Phase.Complete) ?? total, "0.0")} s"));
        }
    }

    private static async Task FirstRpcAsync(BenchEnvironment bench, string kind, string binary, int runs)
    {
        // A wrong registration token: the worker pings, is refused, and exits — a start-up per run.
        await using var job = await WorkerJob.CreateAsync(bench, "http://127.0.0.1:1/unused.tar.gz", "bench/startup");
        job.Environment["TOKEN"] = "not-the-registration-token";
        var times = new List<double>();
        for (int run = 0; run <= runs; run++)
        {
            int before = Volatile.Read(ref job.Manager.Pings);
            using var worker = job.Start(binary);
            long arrived = 0;
            var watcher = new Thread(() =>
            {
                // Sleep(1) polls at ~1.1 ms and leaves the second core to the worker and Kestrel.
                var deadline = Stopwatch.GetTimestamp() + Stopwatch.Frequency * 10;
                while (Volatile.Read(ref job.Manager.Pings) == before && Stopwatch.GetTimestamp() < deadline)
                {
                    Thread.Sleep(1);
                }

                arrived = Stopwatch.GetTimestamp();
            });
            watcher.Start();
            var exit = await worker.WaitForExitAsync(TimeSpan.FromSeconds(30));
            watcher.Join();
            if (!bench.Report.Check(Volatile.Read(ref job.Manager.Pings) > before && exit != 0, $"{kind} start-up run {run}: no Ping arrived, or a bad token did not fail (exit {exit}):\n{worker.Output}"))
            {
                return;
            }

            // Run 0 warms the page cache and Kestrel; it is not counted.
            if (run > 0)
            {
                times.Add(Stopwatch.GetElapsedTime(worker.StartTimestamp, arrived).TotalMilliseconds);
            }
        }

        var median = BenchReport.Median(times);
        bench.Report.Add(new Figure("2", $"{kind}: process start → first RPC, median of {runs}", $"{BenchReport.Format(median)} ms", BenchReport.TargetFor(kind, "≤ 30 ms"), BenchReport.JudgeFor(kind, median <= 30),
            $"min {BenchReport.Format(times.Min())}, max {BenchReport.Format(times.Max())}"));
    }

    private static async Task IdleRssAsync(BenchEnvironment bench, string kind, string binary)
    {
        // Hold the worker in UNPACKING (the fake does not answer SetPhase yet) while it is
        // registered, heartbeating every second and has its log stream open: a waiting worker.
        await using var job = await WorkerJob.CreateAsync(bench, "http://127.0.0.1:1/unreachable.tar.gz", "bench/idle-" + Guid.NewGuid().ToString("N")[..8]);
        job.Environment["HEARTBEAT_INTERVAL"] = "1";
        using var release = new ManualResetEventSlim();
        var holding = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        job.BeforePhaseAnswer = phase =>
        {
            if (phase == Phase.Unpacking)
            {
                holding.TrySetResult();
                release.Wait(TimeSpan.FromMinutes(1));
            }
        };
        using var worker = job.Start(binary);
        await holding.Task.WaitAsync(TimeSpan.FromSeconds(30));
        int heartbeats = job.Manager.Heartbeats;
        await Task.Delay(TimeSpan.FromSeconds(bench.Smoke ? 3.5 : 4.5));
        var memory = worker.ReadMemory();
        bool beating = job.Manager.Heartbeats - heartbeats >= 2;
        release.Set();
        var exit = await worker.WaitForExitAsync(TimeSpan.FromMinutes(2));
        if (!bench.Report.Check(memory is not null && beating, $"{kind} idle: worker gone or not heartbeating while held (heartbeats {job.Manager.Heartbeats - heartbeats}):\n{worker.Output}"))
        {
            return;
        }

        bench.Report.Check(exit != 0 && job.Manager.CurrentPhase == Phase.Error, $"{kind} idle: an unreachable package should end in ERROR (exit {exit}, phase {job.Manager.CurrentPhase})");
        var rss = memory!.Value.RssKb / 1024.0;
        bench.Report.Add(new Figure("2", $"{kind}: idle RSS (registered, heartbeating, waiting)", $"{BenchReport.Format(rss)} MiB", BenchReport.TargetFor(kind, "≤ 30 MiB"), BenchReport.JudgeFor(kind, rss <= 30),
            $"VmHWM so far {BenchReport.Format(memory.Value.HwmKb / 1024.0)} MiB"));
    }
}
