using Grpc.Net.Client;
using Microsoft.Extensions.Logging.Abstractions;
using QuayBuilder.Build;
using QuayBuilder.Cli;
using QuayBuilder.Configuration;
using QuayBuilder.Local;
using QuayBuilder.Logging;
using QuayBuilder.Podman;
using QuayBuilder.Protocol;
using QuayBuilder.Tests.EndToEnd;
using QuayBuilder.Tests.Fakes;

namespace QuayBuilder.Tests.Faults;

/// <summary>
/// The worker's whole job flow in process — WorkerCommand.RunJobAsync: registration, heartbeats,
/// the log stream, BuildJob — against the fake manager over a real gRPC loopback channel, with a
/// package served over HTTP and a <see cref="FakeContainerRuntime"/> instead of Podman.
/// </summary>
internal sealed class WorkerHarness : IAsyncDisposable
{
    private WorkerHarness(FakeManagerServer server, PackageServer packages, string workRoot)
    {
        Server = server;
        Packages = packages;
        WorkRoot = workRoot;
        Environment["SERVER"] = server.Address;
        Environment["TOKEN"] = server.Manager.RegistrationToken;
        Environment["INSECURE"] = "true";
        Environment["WORK_DIR"] = workRoot;
        Environment["HEARTBEAT_INTERVAL"] = "1";
        Environment["REGISTRATION_TIMEOUT"] = "1";
    }

    public FakeManagerServer Server { get; }

    public FakeBuildManager Manager => Server.Manager;

    public PackageServer Packages { get; }

    public FakeContainerRuntime Runtime { get; } = new();

    public string WorkRoot { get; }

    public Dictionary<string, string?> Environment { get; } = new(StringComparer.Ordinal);

    public JobAbort Abort { get; } = new();

    public static async Task<WorkerHarness> StartAsync(string dockerfile = "FROM busybox\nRUN echo hello\n")
    {
        var packages = new PackageServer();
        var pack = new BuildPack
        {
            PackageUrl = packages.Add("build.tar.gz", BuildPackages.TarGz(new Dictionary<string, string> { ["Dockerfile"] = dockerfile })),
            Repository = "acme/web",
            Registry = "registry.test:5000",
            PullToken = "pull-token-SECRET-" + Guid.NewGuid().ToString("N"),
            PushToken = "push-token-SECRET-" + Guid.NewGuid().ToString("N"),
            TagNames = { "latest" },
        };
        var server = await FakeManagerServer.StartAsync(new FakeBuildManager(pack));
        server.Manager.CachedTag = "latest";
        return new WorkerHarness(server, packages, Directory.CreateTempSubdirectory("qb-harness-").FullName);
    }

    /// <summary>Runs the job to its end and returns the exit status; any exception escaping is a defect the caller sees.</summary>
    public async Task<int> RunAsync(TimeSpan? timeout = null)
    {
        var settings = WorkerSettingsReader.Read(name => Environment.GetValueOrDefault(name));
        using var channel = GrpcChannel.ForAddress($"http://{Server.Address}");
        return await WorkerCommand.RunJobAsync(settings, channel, new SecretMasker(), new NoServiceNotifier(), Abort, NullLoggerFactory.Instance,
                _ => Task.FromResult<IContainerRuntime>(Runtime))
            .WaitAsync(timeout ?? TimeSpan.FromSeconds(60));
    }

    /// <summary>Phases the manager recorded, as Quay's enum names.</summary>
    public IReadOnlyList<Phase> Phases => Manager.PhaseSequence;

    public IReadOnlyList<RecordedLogLine> Errors => [.. Manager.LogLines.Where(l => l.Key == "error")];

    public bool WorkRootEmpty => !Directory.EnumerateFileSystemEntries(WorkRoot).Any();

    public async ValueTask DisposeAsync()
    {
        Abort.Dispose();
        await Server.DisposeAsync();
        await Packages.DisposeAsync();
        WorkDirectory.Delete(WorkRoot);
    }
}
