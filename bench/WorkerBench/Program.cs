using QuayBuilder.WorkerBench;

// bench/run's driver for issue 9. Every figure is measured beside its baseline in this run.
BenchOptions options;
try
{
    options = BenchOptions.Parse(args);
}
catch (ArgumentException e)
{
    Console.Error.WriteLine("WorkerBench: " + e.Message);
    return 2;
}

await using var bench = await BenchEnvironment.CreateAsync(options);
Console.WriteLine($"worker bench{(options.Smoke ? " (smoke)" : string.Empty)}: {Environment.ProcessorCount} CPUs, podman {bench.Services.PodmanSocket}, registry {bench.Services.Registry}, load average {File.ReadAllText("/proc/loadavg").Trim()}");
var only = Environment.GetEnvironmentVariable("QB_BENCH_ONLY");
var figures = new (string Key, Func<BenchEnvironment, Task> Run)[]
{
    ("log", LogDeliveryBench.RunAsync),
    ("startup", StartupBench.RunAsync),
    ("overhead", OverheadBench.RunAsync),
    ("context", ContextTransferBench.RunAsync),
    ("layercache", LayerCacheBench.RunAsync),
};
foreach (var (key, run) in figures)
{
    if (only is { Length: > 0 } && !only.Split(',').Contains(key))
    {
        continue;
    }

    try
    {
        await run(bench);
    }
    catch (Exception e) when (e is InvalidOperationException or TimeoutException or IOException or Grpc.Core.RpcException or HttpRequestException)
    {
        bench.Report.Check(false, $"{key}: {e.GetType().Name}: {e.Message}");
    }
}

// Other work on the machine skews every figure; say how busy it was.
Console.WriteLine($"load average at the end: {File.ReadAllText("/proc/loadavg").Trim()}");
return bench.Report.Finish();
