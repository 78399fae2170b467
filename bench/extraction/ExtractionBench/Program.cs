using System.Diagnostics;
using System.Globalization;
using QuayBuilder.BuildContext;
using QuayBuilder.Bench.Extraction;

// bench/extraction: the worker's package path (PackageFetcher over loopback HTTP) against
// GNU `tar -xzf` of the same file from local disk, same target filesystem, same run.
//   generate --work DIR [--smoke]   writes DIR/package.tar.gz and DIR/warm.tar.gz once
//   measure  --work DIR [--smoke]   alternates tar and PackageFetcher, prints medians,
//                                   the ratio and this process's peak RSS (VmHWM)
// Generation is its own process so the measuring process's peak RSS is the extraction's.
var command = args.Length > 0 ? args[0] : "";
var smoke = args.Contains("--smoke");
var workIndex = Array.IndexOf(args, "--work");
var work = workIndex >= 0 && workIndex + 1 < args.Length ? args[workIndex + 1] : Path.Join(Path.GetTempPath(), "qb-bench-extraction");
var (files, average, runs) = smoke ? (2_000, 10_000, 1) : (30_000, 10_000, 3);
work = Path.Join(work, smoke ? "smoke" : "full");
Directory.CreateDirectory(work);
var package = Path.Join(work, "package.tar.gz");
var warm = Path.Join(work, "warm.tar.gz");
var sizeFile = Path.Join(work, "package.bytes");

if (command == "generate")
{
    if (!File.Exists(package) || !File.Exists(sizeFile))
    {
        Console.Error.WriteLine($"generating {files} files (~{files * (long)average / 1_000_000} MB) ...");
        var bytes = ArchiveGenerator.Write(package, files, average);
        ArchiveGenerator.Write(warm, 200, 2_000);
        File.WriteAllText(sizeFile, bytes.ToString(CultureInfo.InvariantCulture));
    }

    return 0;
}

if (command != "measure")
{
    Console.Error.WriteLine("usage: ExtractionBench generate|measure --work DIR [--smoke]");
    return 2;
}

var contentBytes = long.Parse(File.ReadAllText(sizeFile), CultureInfo.InvariantCulture);
var megabytes = contentBytes / 1e6;
await using var server = new FileServer(work);
using var http = PackageFetcher.CreateHttpClient(SourceLimits.Default, validateServerCertificate: null);
var fetcher = new PackageFetcher(http, SourceLimits.Default, new Polly.Retry.RetryStrategyOptions { MaxRetryAttempts = 2, BackoffType = Polly.DelayBackoffType.Exponential, Delay = TimeSpan.FromSeconds(2), MaxDelay = TimeSpan.FromSeconds(4), UseJitter = false });
var quiet = new Progress<string>(_ => { });

// Warm up the JIT and the page cache, so both sides read a cached archive.
await fetcher.FetchAsync(server.Url("warm.tar.gz"), Fresh("warm"), quiet, CancellationToken.None);
await WarmPageCacheAsync(package);
ResetPeakRss();
var baseline = PeakRssMegabytes();

var tarTimes = new List<double>();
var oursTimes = new List<double>();
var localTimes = new List<double>();
for (var run = 0; run < runs; run++)
{
    var tarDestination = Fresh("tar");
    Directory.CreateDirectory(tarDestination);
    var clock = Stopwatch.StartNew();
    using (var tar = Process.Start("tar", ["-xzf", package, "-C", tarDestination]))
    {
        await tar.WaitForExitAsync();
        if (tar.ExitCode != 0)
        {
            throw new InvalidOperationException("GNU tar failed");
        }
    }

    tarTimes.Add(clock.Elapsed.TotalSeconds);
    Directory.Delete(tarDestination, recursive: true);

    var ourDestination = Fresh("ours");
    clock.Restart();
    var fetched = await fetcher.FetchAsync(server.Url("package.tar.gz"), ourDestination, quiet, CancellationToken.None);
    oursTimes.Add(clock.Elapsed.TotalSeconds);
    if (fetched.Bytes != contentBytes)
    {
        throw new InvalidOperationException($"extracted {fetched.Bytes} bytes, expected {contentBytes}");
    }

    Directory.Delete(ourDestination, recursive: true);

    // The same extraction from the local file: separates the HTTP leg from the writing.
    var localDestination = Fresh("local");
    clock.Restart();
    await PackageFetcher.ExtractFileAsync(package, localDestination, SourceLimits.Default, quiet, CancellationToken.None);
    localTimes.Add(clock.Elapsed.TotalSeconds);
    Directory.Delete(localDestination, recursive: true);
}

if (Environment.GetEnvironmentVariable("QB_BENCH_VERBOSE") == "1")
{
    var info = GC.GetGCMemoryInfo();
    Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"gc: heap {info.HeapSizeBytes / 1e6:0.0} MB, committed {info.TotalCommittedBytes / 1e6:0.0} MB, allocated {GC.GetTotalAllocatedBytes() / 1e6:0} MB, gen0 {GC.CollectionCount(0)}, gen1 {GC.CollectionCount(1)}, gen2 {GC.CollectionCount(2)}"));
}

var tarRate = megabytes / Median(tarTimes);
var ourRate = megabytes / Median(oursTimes);
var ratio = ourRate / tarRate;
var peak = PeakRssMegabytes();
var archiveMb = new FileInfo(package).Length / 1e6;
Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"extraction: {megabytes:0} MB in {files + files / 100 + 1} entries, tar.gz {archiveMb:0} MB, median of {runs}, target filesystem {work}"));
Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  GNU tar -xzf (local file)       {tarRate,7:0.0} MB/s  ({Median(tarTimes):0.00} s)"));
Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  PackageFetcher (loopback HTTP)  {ourRate,7:0.0} MB/s  ({Median(oursTimes):0.00} s)"));
Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  PackageFetcher (local file)     {megabytes / Median(localTimes),7:0.0} MB/s  ({Median(localTimes):0.00} s)"));
Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  ratio {ratio:0.00} (target >= 0.80: {(ratio >= 0.8 ? "met" : "MISSED")})"));
Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  peak RSS of the bench process {peak:0.0} MB (target <= 64: {(peak <= 64 ? "met" : "MISSED")}; {baseline:0.0} MB before the first extraction)"));
return 0;

string Fresh(string name)
{
    var path = Path.Join(work, "out-" + name);
    if (Directory.Exists(path))
    {
        Directory.Delete(path, recursive: true);
    }

    return path;
}

static async Task WarmPageCacheAsync(string path)
{
    var buffer = new byte[1 << 16];
    var file = File.OpenRead(path);
    await using (file)
    {
        while (await file.ReadAsync(buffer) > 0)
        {
        }
    }
}

static double Median(List<double> values)
{
    var sorted = values.Order().ToList();
    return sorted[sorted.Count / 2];
}

// Writing 5 to clear_refs resets VmHWM (Linux >= 4.0), so the peak is the extraction's,
// not the JIT warm-up's.
static void ResetPeakRss()
{
    GC.Collect();
    File.WriteAllText("/proc/self/clear_refs", "5");
}

static double PeakRssMegabytes()
{
    var line = File.ReadLines("/proc/self/status").First(l => l.StartsWith("VmHWM:", StringComparison.Ordinal));
    return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) / 1024.0;
}
