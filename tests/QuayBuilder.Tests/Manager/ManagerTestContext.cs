using Grpc.Net.Client;
using Microsoft.Extensions.Logging.Abstractions;
using QuayBuilder.Logging;
using QuayBuilder.Manager;
using QuayBuilder.Protocol;
using QuayBuilder.Tests.Fakes;

namespace QuayBuilder.Tests.Manager;

/// <summary>A fake manager on loopback and a registered session against it.</summary>
internal sealed class ManagerTestContext : IAsyncDisposable
{
    private ManagerTestContext(FakeManagerServer server, GrpcChannel channel, ManagerSession session, SecretMasker masker)
    {
        Server = server;
        Channel = channel;
        Session = session;
        Masker = masker;
    }

    public FakeManagerServer Server { get; }

    public FakeBuildManager Manager => Server.Manager;

    public GrpcChannel Channel { get; }

    public ManagerSession Session { get; }

    public SecretMasker Masker { get; }

    public BuildManager.BuildManagerClient Client => Session.Client;

    public static BuildPack SamplePack() => new()
    {
        PackageUrl = "http://127.0.0.1:9/package.tar.gz",
        Repository = "acme/web",
        Registry = "127.0.0.1:5000",
        PullToken = "pull-token-SECRET-111111",
        PushToken = "push-token-SECRET-222222",
        TagNames = { "latest" },
    };

    public static async Task<ManagerTestContext> StartAsync(bool register = true, TimeSpan? retryFor = null)
    {
        var server = await FakeManagerServer.StartAsync(new FakeBuildManager(SamplePack()));
        var channel = GrpcChannel.ForAddress($"http://{server.Address}");
        var masker = new SecretMasker();
        var session = new ManagerSession(new BuildManager.BuildManagerClient(channel), server.Address, retryFor ?? TimeSpan.FromSeconds(10), masker, NullLogger.Instance);
        var context = new ManagerTestContext(server, channel, session, masker);
        if (register)
        {
            await session.RegisterAsync(server.Manager.RegistrationToken, CancellationToken.None);
        }

        return context;
    }

    public BuildLogStream OpenLog(int window = 256, Action<string>? jobGone = null)
    {
        var log = new BuildLogStream(Client, Session.JobToken, window, jobGone ?? (_ => { }), NullLogger.Instance);
        log.Start();
        return log;
    }

    public async ValueTask DisposeAsync()
    {
        Channel.Dispose();
        await Server.DisposeAsync();
    }
}
