using QuayBuilder.Tests.EndToEnd;

namespace QuayBuilder.WorkerBench;

/// <summary>Everything a benchmark needs: options, the real services, a package server, the report.</summary>
internal sealed class BenchEnvironment : IAsyncDisposable
{
    private readonly PackageServer _packages = new();

    private BenchEnvironment(BenchOptions options, TestServices services, BenchReport report)
    {
        Options = options;
        Services = services;
        Report = report;
    }

    public BenchOptions Options { get; }

    public TestServices Services { get; }

    public BenchReport Report { get; }

    public bool Smoke => Options.Smoke;

    public static async Task<BenchEnvironment> CreateAsync(BenchOptions options)
    {
        Directory.CreateDirectory(options.WorkDirectory);
        var services = await TestServices.GetAsync();
        return new BenchEnvironment(options, services, new BenchReport(options.Smoke));
    }

    /// <summary>Serves a build package over loopback HTTP; returns its (pre-signed-looking) URL.</summary>
    public string AddPackage(string name, byte[] body) => _packages.Add(name, body, "application/octet-stream");

    /// <summary>The binaries to compare: AOT always, JIT when published.</summary>
    public IEnumerable<(string Kind, string Binary)> Binaries()
    {
        yield return ("AOT", Options.AotBinary);
        if (Options.JitBinary is { } jit)
        {
            yield return ("JIT", jit);
        }
    }

    public ValueTask DisposeAsync() => _packages.DisposeAsync();
}
