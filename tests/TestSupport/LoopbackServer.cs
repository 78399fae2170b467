using System.Net;
using System.Net.Sockets;
using System.Security.Authentication;

namespace QuayBuilder.TestSupport;

/// <summary>
/// A stream server the tests start on 127.0.0.1 (or a unix socket): the accept loop, the
/// per-connection task and the shutdown are written here once; a subclass only says how to
/// serve one connection. Disposing stops accepting, closes every open connection and waits for
/// their handlers, so nothing a test started outlives it.
/// </summary>
public abstract class LoopbackServer : IAsyncDisposable
{
    private readonly Socket _listener;
    private readonly CancellationTokenSource _stop = new();
    private readonly HashSet<Socket> _open = [];
    private readonly List<Task> _handlers = [];
    private Task _loop = Task.CompletedTask;

    /// <param name="endPoint">Where to listen; 127.0.0.1 on a free port when null.</param>
    protected LoopbackServer(EndPoint? endPoint = null)
    {
        endPoint ??= new IPEndPoint(IPAddress.Loopback, 0);
        _listener = endPoint is UnixDomainSocketEndPoint
            ? new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified)
            : new Socket(endPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        _listener.Bind(endPoint);
        _listener.Listen(64);
    }

    /// <summary>The TCP port listened on (loopback servers only).</summary>
    public int Port => ((IPEndPoint)_listener.LocalEndPoint!).Port;

    /// <summary>Cancelled when the server is disposed.</summary>
    protected CancellationToken Stopping => _stop.Token;

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Dispose();
        Task[] handlers;
        lock (_open)
        {
            foreach (var socket in _open)
            {
                socket.Dispose();
            }

            handlers = [.. _handlers];
        }

        await Task.WhenAll([_loop, .. handlers]);
        await OnStoppedAsync();
        _stop.Dispose();
        GC.SuppressFinalize(this);
    }

    /// <summary>
    /// Starts accepting. Called by the subclass at the end of its constructor, so that
    /// <see cref="ServeAsync"/> never sees a half-built object.
    /// </summary>
    protected void StartAccepting() => _loop = AcceptAsync();

    /// <summary>Serves one accepted connection. The base disposes the socket when this returns.</summary>
    protected abstract Task ServeAsync(Socket connection, CancellationToken cancellationToken);

    /// <summary>Runs after every connection has closed, for a subclass's own clean-up.</summary>
    protected virtual ValueTask OnStoppedAsync() => ValueTask.CompletedTask;

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket connection;
            try
            {
                connection = await _listener.AcceptAsync(_stop.Token);
            }
            catch (Exception e) when (IsClosing(e))
            {
                return;
            }

            lock (_open)
            {
                if (_stop.IsCancellationRequested)
                {
                    connection.Dispose();
                    return;
                }

                _open.Add(connection);
                _handlers.Add(Task.Run(() => HandleAsync(connection)));
            }
        }
    }

    private async Task HandleAsync(Socket connection)
    {
        try
        {
            await ServeAsync(connection, _stop.Token);
        }
        catch (Exception e) when (IsClosing(e))
        {
            // The client went away (some tests want it to), or the server is stopping.
        }
        finally
        {
            lock (_open)
            {
                _open.Remove(connection);
            }

            connection.Dispose();
        }
    }

    private static bool IsClosing(Exception e) =>
        e is OperationCanceledException or SocketException or ObjectDisposedException or IOException or AuthenticationException;
}
