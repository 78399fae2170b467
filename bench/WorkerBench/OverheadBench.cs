using System.Diagnostics;
using QuayBuilder.Protocol;

namespace QuayBuilder.WorkerBench;

/// <summary>
/// Figure 3: one context built and pushed (a) by the AOT worker under the fake manager and (b) by
/// podman pull + build + push on the same service, alternating, both cold (base image, build
/// cache and built image removed before every run).
/// </summary>
internal static class OverheadBench
{
    public static async Task RunAsync(BenchEnvironment bench)
    {
        int runs = bench.Smoke ? 1 : 5;
        int files = bench.Smoke ? 100 : 2_000;
        Console.WriteLine($"3. Overhead against the podman CLI: {files:N0}-file context, build + push, median of {runs}, cold");
        var root = ContextTree.Ensure(bench.Options.WorkDirectory, files, 10_000);
        var dockerfile = $"FROM {bench.Services.BaseImage}\n" +
            "RUN i=0; while [ $i -lt 200 ]; do echo build line $i; i=$((i+1)); done\n" +
            "COPY keep/ /app/\n";
        File.WriteAllText(Path.Combine(root, "Dockerfile"), dockerfile);
        var url = bench.AddPackage($"overhead-{files}.tar.gz", ContextTree.Package(root, dockerfile));
        var podman = new PodmanCli(bench.Services.PodmanSocket);
        await podman.RemoveAsync(bench.Services.BaseImage);
        var worker = new List<double>();
        var workerExit = new List<double>();
        var cli = new List<double>();
        try
        {
            for (int run = 0; run < runs; run++)
            {
                var repository = $"bench/overhead-worker-{run}-{Guid.NewGuid().ToString("N")[..6]}";
                await using (var job = await WorkerJob.CreateAsync(bench, url, repository))
                {
                    using var process = job.Start(bench.Options.AotBinary);
                    var exit = await process.WaitForExitAsync(TimeSpan.FromMinutes(10));
                    var complete = job.SecondsTo(process, Phase.Complete);
                    if (!bench.Report.Check(exit == 0 && complete is not null, $"overhead run {run}: the worker exited {exit}:\n{process.Output}"))
                    {
                        return;
                    }

                    worker.Add(complete!.Value);
                    workerExit.Add(Stopwatch.GetElapsedTime(process.StartTimestamp).TotalSeconds);
                    bench.Report.Check(await TagsAsync(bench, repository) is ["latest"], $"overhead run {run}: the worker's push is not in the registry");
                }

                // The worker removed its images (no DEBUG); make sure, so both start cold.
                await podman.RemoveAsync(bench.Services.BaseImage, $"{bench.Services.Registry}/{repository}:latest");

                var cliRepository = $"bench/overhead-cli-{run}-{Guid.NewGuid().ToString("N")[..6]}";
                var image = $"{bench.Services.Registry}/{cliRepository}:latest";
                var watch = Stopwatch.StartNew();
                await podman.RunAsync("pull", "--tls-verify=false", bench.Services.BaseImage);
                await podman.RunAsync("build", "--isolation", "chroot", "--pull=never", "-t", image, root);
                await podman.RunAsync("push", "--tls-verify=false", image);
                cli.Add(watch.Elapsed.TotalSeconds);
                bench.Report.Check(await TagsAsync(bench, cliRepository) is ["latest"], $"overhead run {run}: the CLI's push is not in the registry");
                await podman.RemoveAsync(bench.Services.BaseImage, image);
            }
        }
        finally
        {
            File.Delete(Path.Combine(root, "Dockerfile"));
        }

        double a = BenchReport.Median(worker), aExit = BenchReport.Median(workerExit), b = BenchReport.Median(cli);
        bench.Report.Add(new Figure("3", "podman pull + build + push (CLI, remote, same service)", $"{BenchReport.Format(b, "0.00")} s", string.Empty, null,
            $"runs {string.Join(", ", cli.Select(c => BenchReport.Format(c, "0.00")))}"));
        bench.Report.Add(new Figure("3", "worker start → COMPLETE (download, extract, pull, build, push)", $"{BenchReport.Format(a, "0.00")} s", string.Empty, null,
            $"runs {string.Join(", ", worker.Select(c => BenchReport.Format(c, "0.00")))}; to exit incl. cleanup {BenchReport.Format(aExit, "0.00")} s"));
        // Runs alternate, so each pair saw about the same machine load: the median of the pairs'
        // ratios is shown beside the ratio of medians as a check on the noise.
        var pairs = BenchReport.Median(worker.Zip(cli, (x, y) => x / y).ToList());
        bench.Report.Add(new Figure("3", "ratio worker / podman CLI", BenchReport.Format(a / b, "0.00"), "≤ 1.10", a / b <= 1.10,
            $"to exit incl. cleanup: {BenchReport.Format(aExit / b, "0.00")}; median of per-pair ratios {BenchReport.Format(pairs, "0.00")}"));
    }

    private static async Task<IReadOnlyList<string>> TagsAsync(BenchEnvironment bench, string repository)
    {
        using var probe = new RegistryProbe(bench.Services.Registry);
        return await probe.TagsAsync(repository);
    }
}
