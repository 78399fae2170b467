using System.Net;
using System.Net.Sockets;

namespace QuayBuilder.TestSupport;

/// <summary>Loopback TCP ports for servers the tests start and for addresses nothing listens on.</summary>
public static class LoopbackPort
{
    /// <summary>A port free at the moment of asking (another process may take it later; tests bind it at once).</summary>
    public static int Free()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
