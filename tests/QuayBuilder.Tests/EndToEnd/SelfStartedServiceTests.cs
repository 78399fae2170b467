using QuayBuilder.Protocol;

namespace QuayBuilder.Tests.EndToEnd;

/// <summary>
/// The builder image's case (EXECUTOR=kubernetesPodman, no DOCKER_HOST): the worker starts
/// `podman system service` itself on a private socket, builds through it, and stops it at exit.
/// </summary>
[Collection(EndToEndCollection.Name)]
public sealed class SelfStartedServiceTests : IDisposable
{
    private readonly DirectoryInfo _root = Directory.CreateTempSubdirectory("qb-own-podman-");

    public void Dispose()
    {
        // vfs layers of the private storage can be large; they are this test's alone.
        Directory.Delete(_root.FullName, recursive: true);
    }

    [Fact]
    public async Task Worker_WhenKubernetesPodmanAndNoSocket_StartsItsOwnServiceBuildsAndStopsIt()
    {
        var services = await TestServices.GetAsync();
        // What the builder image configures for the podman user: vfs storage, runc, and (here) the
        // loopback test registry as insecure. The worker's child podman inherits these.
        var builder = await FreshBuilder.CreateAsync(_root.FullName, services.Registry);

        var package = BuildPackages.TarGz(new Dictionary<string, string> { ["Dockerfile"] = $"FROM {services.BaseImage}\nRUN echo built-by-own-service\n" });
        await using var run = await WorkerRun.CreateAsync(p => p.Add("build.tar.gz", package));
        builder.ApplyTo(run.Environment);

        var result = await run.RunAsync();

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal(Phase.Complete, run.Manager.PhaseSequence[^1]);
        Assert.Contains(run.Manager.LogLines, l => l.Text == "built-by-own-service\n");
        Assert.Equal(["latest"], await new RegistryProbe(services.Registry).TagsAsync(run.Repository));

        // The service it started is gone with it.
        var leftovers = await ProcessRunner.RunAsync("pgrep", ["-f", Path.Join(builder.Root, "xdg")]);
        Assert.True(leftovers.Stdout.Trim().Length == 0, $"podman service still running: {leftovers.Stdout}");
    }
}
