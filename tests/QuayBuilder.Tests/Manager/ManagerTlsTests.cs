using System.Diagnostics;
using QuayBuilder.Build;
using QuayBuilder.Configuration;
using QuayBuilder.Logging;
using QuayBuilder.Manager;
using QuayBuilder.Protocol;
using QuayBuilder.Tests.Fakes;
using Microsoft.Extensions.Logging.Abstractions;

namespace QuayBuilder.Tests.Manager;

/// <summary>The manager channel's TLS against the fake manager, signed by the openssl-made <see cref="PrivateCa"/> the download tests use too.</summary>
public sealed class ManagerTlsTests(PrivateCa ca) : IClassFixture<PrivateCa>, IDisposable
{
    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("qb-tls-");

    public void Dispose() => _directory.Delete(recursive: true);

    private static async Task<(ManagerSession Session, IDisposable Channel)> ConnectAsync(FakeManagerServer server, WorkerSettings settings)
    {
        var channel = ManagerChannelFactory.Create(settings);
        var session = new ManagerSession(new BuildManager.BuildManagerClient(channel), server.Address, TimeSpan.FromSeconds(5), new SecretMasker(), NullLogger.Instance)
        {
            TlsHint = settings.TlsCertPath ?? "CA_CERT",
        };
        await Task.CompletedTask;
        return (session, channel);
    }

    private static WorkerSettings Settings(FakeManagerServer server, string? caPath = null, string? caPem = null) => new()
    {
        Manager = new ManagerSettings { Server = server.Address.Replace("127.0.0.1", "localhost", StringComparison.Ordinal), Token = server.Manager.RegistrationToken },
        Build = new BuildSettings(),
        TlsCertPath = caPath,
        CaCert = caPem,
    };

    [Fact]
    public async Task Register_WhenTheManagersCaIsInTlsCertPath_Succeeds()
    {
        using var leaf = ca.ServerCertificate();
        await using var server = await FakeManagerServer.StartAsync(new FakeBuildManager(ManagerTestContext.SamplePack()), certificate: leaf);
        var (session, channel) = await ConnectAsync(server, Settings(server, caPath: ca.CaPath));
        using (channel)
        {
            await session.PingAsync(CancellationToken.None);
            var spec = await session.RegisterAsync(server.Manager.RegistrationToken, CancellationToken.None);
            Assert.Equal("acme/web", spec.Repository);
        }
    }

    [Fact]
    public async Task Register_WhenTheManagersCaIsGivenAsCaCertText_Succeeds()
    {
        using var leaf = ca.ServerCertificate();
        await using var server = await FakeManagerServer.StartAsync(new FakeBuildManager(ManagerTestContext.SamplePack()), certificate: leaf);
        var (session, channel) = await ConnectAsync(server, Settings(server, caPem: ca.CaPem));
        using (channel)
        {
            await session.PingAsync(CancellationToken.None);
        }
    }

    [Fact]
    public async Task Ping_WhenTheManagerIsSignedByAnotherCa_FailsAtOnceNamingTheServerAndTheCaFile()
    {
        using var leaf = ca.ServerCertificate();
        await using var server = await FakeManagerServer.StartAsync(new FakeBuildManager(ManagerTestContext.SamplePack()), certificate: leaf);
        var caPath = Path.Join(_directory.FullName, "wrong-ca.pem");
        File.WriteAllText(caPath, ca.StrangerCaPem);
        var (session, channel) = await ConnectAsync(server, Settings(server, caPath: caPath));
        using (channel)
        {
            var watch = Stopwatch.StartNew();
            var failure = await Assert.ThrowsAsync<BuildFailure>(() => session.PingAsync(CancellationToken.None));
            Assert.True(watch.Elapsed < TimeSpan.FromSeconds(5), "a TLS failure is not retried like a transient one");
            Assert.Contains(server.Address, failure.Message, StringComparison.Ordinal);
            Assert.Contains(caPath, failure.Message, StringComparison.Ordinal);
            Assert.Contains("TLS", failure.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Create_WhenTlsCertPathHoldsNoCertificate_FailsNamingTheFile()
    {
        var garbage = Path.Join(_directory.FullName, "garbage.pem");
        File.WriteAllText(garbage, "this is not a certificate\n");
        var failure = Assert.Throws<BuildFailure>(() => ManagerChannelFactory.Create(new WorkerSettings { Manager = new ManagerSettings { Server = "localhost:1", Token = "x" }, Build = new BuildSettings(), TlsCertPath = garbage }));
        Assert.Equal(FailureKind.Configuration, failure.Kind);
        Assert.Contains(garbage, failure.Message, StringComparison.Ordinal);
    }
}
