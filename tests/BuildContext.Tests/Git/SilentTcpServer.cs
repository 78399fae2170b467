using System.Net.Sockets;

namespace QuayBuilder.BuildContext.Tests.Git;

/// <summary>Accepts TCP connections on loopback and never sends a byte: a hung Git server.</summary>
internal sealed class SilentTcpServer : LoopbackServer
{
    private int _accepted;

    public SilentTcpServer()
    {
        StartAccepting();
    }

    public int Accepted => Volatile.Read(ref _accepted);

    protected override async Task ServeAsync(Socket connection, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _accepted);
        // Hold the connection open, silent, until the server is disposed.
        await Task.Delay(Timeout.Infinite, cancellationToken);
    }
}
