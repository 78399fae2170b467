using QuayBuilder.Protocol;
using QuayBuilder.Tests.Fakes;

namespace QuayBuilder.Tests.EndToEnd;

/// <summary>
/// One run of the published worker against the fake manager, a package server, and the real
/// Podman service and registry.
/// </summary>
internal sealed class WorkerRun : IAsyncDisposable
{
    public const string BaseImagePassword = "base-image-password-SECRET-333333";

    private WorkerRun(TestServices services, FakeManagerServer server, PackageServer packages, string workRoot, string repository)
    {
        Services = services;
        Server = server;
        Packages = packages;
        WorkRoot = workRoot;
        Repository = repository;
    }

    public TestServices Services { get; }

    public FakeManagerServer Server { get; }

    public FakeBuildManager Manager => Server.Manager;

    public PackageServer Packages { get; }

    public string WorkRoot { get; }

    public string Repository { get; }

    public Dictionary<string, string?> Environment { get; } = new(StringComparer.Ordinal);

    /// <summary>Every secret of this run: none may appear in any output.</summary>
    public IEnumerable<string> Secrets => [Manager.RegistrationToken, Manager.JobToken, Manager.Pack.PullToken, Manager.Pack.PushToken, BaseImagePassword,
        .. Manager.Pack.BuildPackCase == BuildPack.BuildPackOneofCase.PackageUrl ? [new Uri(Manager.Pack.PackageUrl).Query.TrimStart('?')] : Array.Empty<string>(),
        .. Manager.Pack.BuildPackCase == BuildPack.BuildPackOneofCase.GitPackage
            ? Manager.Pack.GitPackage.PrivateKey.Split('\n').Where(l => l.Length > 16 && !l.StartsWith("-----", StringComparison.Ordinal))
            : []];

    public static async Task<WorkerRun> CreateAsync(Func<PackageServer, string> packageUrl, string context = "", string dockerfilePath = "", string[]? tags = null, string? repository = null)
    {
        var services = await TestServices.GetAsync();
        var packages = new PackageServer();
        repository ??= "e2e/web-" + Guid.NewGuid().ToString("N")[..8];
        var pack = new BuildPack
        {
            PackageUrl = packageUrl(packages),
            Context = context,
            DockerfilePath = dockerfilePath,
            Repository = repository,
            Registry = services.Registry,
            PullToken = "pull-token-SECRET-" + Guid.NewGuid().ToString("N"),
            PushToken = "push-token-SECRET-" + Guid.NewGuid().ToString("N"),
            BaseImage = new BuildPack.Types.BaseImage { Username = "robot", Password = BaseImagePassword },
        };
        pack.TagNames.AddRange(tags ?? ["latest"]);
        var server = await FakeManagerServer.StartAsync(new FakeBuildManager(pack, "registration-token-SECRET-" + Guid.NewGuid().ToString("N")));
        var workRoot = Directory.CreateTempSubdirectory("qb-e2e-work-").FullName;
        var run = new WorkerRun(services, server, packages, workRoot, repository);
        run.Environment["SERVER"] = server.Address;
        run.Environment["TOKEN"] = server.Manager.RegistrationToken;
        run.Environment["INSECURE"] = "true";
        run.Environment["CONTAINER_RUNTIME"] = "podman";
        run.Environment["DOCKER_HOST"] = "unix://" + services.PodmanSocket;
        run.Environment["BUILDAH_ISOLATION"] = "chroot";
        run.Environment["BUILD_UUID"] = "e2e-" + Guid.NewGuid().ToString("N")[..8];
        run.Environment["WORK_DIR"] = workRoot;
        run.Environment["HEARTBEAT_INTERVAL"] = "2";
        return run;
    }

    /// <summary>
    /// Runs the worker to its exit. Every run, whatever the test, is checked for leaked secrets:
    /// none of this run's tokens, password or signed-URL query may appear in the worker's
    /// output or in the build log the manager received.
    /// </summary>
    public async Task<ProcessResult> RunAsync(TimeSpan? timeout = null, Action<System.Diagnostics.Process>? started = null)
    {
        var binary = await WorkerBinary.GetAsync();
        var result = await ProcessRunner.RunAsync(binary, [], Environment, timeout ?? TimeSpan.FromMinutes(4), clearEnvironment: true, started: started);
        AssertNoSecretIn(result);
        return result;
    }

    /// <summary>Asserts that no secret of this run appears in the worker's output or in the build log.</summary>
    public void AssertNoSecretIn(ProcessResult result)
    {
        var everything = result.Output + string.Concat(Manager.LogLines.Select(l => l.Json));
        foreach (var secret in Secrets)
        {
            Assert.False(everything.Contains(secret, StringComparison.Ordinal), $"a secret ({secret[..Math.Min(12, secret.Length)]}…) leaked into the output");
        }
    }

    public async ValueTask DisposeAsync()
    {
        await Server.DisposeAsync();
        await Packages.DisposeAsync();
        try
        {
            Directory.Delete(WorkRoot, recursive: true);
        }
        catch (DirectoryNotFoundException)
        {
        }
    }
}
