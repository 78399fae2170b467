using System.Collections.Concurrent;
using System.Diagnostics;
using QuayBuilder.Protocol;
using QuayBuilder.Tests.Fakes;

namespace QuayBuilder.WorkerBench;

/// <summary>
/// One job for the worker: a fake build manager on loopback holding the build pack, the
/// worker's environment, and when each phase was entered.
/// </summary>
internal sealed class WorkerJob : IAsyncDisposable
{
    private readonly ConcurrentDictionary<Phase, long> _phaseTimestamps = new();

    private WorkerJob(FakeManagerServer server, string workRoot, string repository)
    {
        Server = server;
        WorkRoot = workRoot;
        Repository = repository;
        server.Manager.OnPhase = phase =>
        {
            _phaseTimestamps.TryAdd(phase, Stopwatch.GetTimestamp());
            BeforePhaseAnswer?.Invoke(phase);
        };
    }

    public FakeManagerServer Server { get; }

    public FakeBuildManager Manager => Server.Manager;

    public string WorkRoot { get; }

    public string Repository { get; }

    public Dictionary<string, string> Environment { get; } = new(StringComparer.Ordinal);

    /// <summary>Runs inside the fake's SetPhase handler, before it answers: blocking here holds the worker in that phase.</summary>
    public Action<Phase>? BeforePhaseAnswer { get; set; }

    public static async Task<WorkerJob> CreateAsync(BenchEnvironment bench, string packageUrl, string repository, TimeSpan logLatency = default)
    {
        var pack = new BuildPack
        {
            PackageUrl = packageUrl,
            Repository = repository,
            Registry = bench.Services.Registry,
            PullToken = "pull-token-" + Guid.NewGuid().ToString("N"),
            PushToken = "push-token-" + Guid.NewGuid().ToString("N"),
        };
        pack.TagNames.Add("latest");
        var manager = new FakeBuildManager(pack, "registration-token-" + Guid.NewGuid().ToString("N")) { LogLatency = logLatency };
        var server = await FakeManagerServer.StartAsync(manager);
        var workRoot = Directory.CreateTempSubdirectory("qb-bench-work-").FullName;
        var job = new WorkerJob(server, workRoot, repository);
        job.Environment["SERVER"] = server.Address;
        job.Environment["TOKEN"] = manager.RegistrationToken;
        job.Environment["INSECURE"] = "true";
        job.Environment["CONTAINER_RUNTIME"] = "podman";
        job.Environment["DOCKER_HOST"] = "unix://" + bench.Services.PodmanSocket;
        job.Environment["BUILDAH_ISOLATION"] = "chroot";
        job.Environment["BUILD_UUID"] = "bench-" + Guid.NewGuid().ToString("N")[..8];
        job.Environment["WORK_DIR"] = workRoot;
        return job;
    }

    /// <summary>Seconds from the worker's start to entering <paramref name="phase"/>, or null if it never did.</summary>
    public double? SecondsTo(WorkerProcess worker, Phase phase) =>
        _phaseTimestamps.TryGetValue(phase, out var at) ? Stopwatch.GetElapsedTime(worker.StartTimestamp, at).TotalSeconds : null;

    public WorkerProcess Start(string binary) => WorkerProcess.Start(binary, Environment);

    public async ValueTask DisposeAsync()
    {
        await Server.DisposeAsync();
        try
        {
            Directory.Delete(WorkRoot, recursive: true);
        }
        catch (DirectoryNotFoundException)
        {
        }
    }
}
