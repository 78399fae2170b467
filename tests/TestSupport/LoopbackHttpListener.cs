using System.Net;

namespace QuayBuilder.TestSupport;

/// <summary>
/// An HttpListener on 127.0.0.1 and a free port, for loopback servers that speak ordinary HTTP:
/// the listen loop is written here once; a subclass answers one request. Requests are served
/// concurrently. Disposing stops listening and waits for the loop.
/// </summary>
public abstract class LoopbackHttpListener : IAsyncDisposable, IDisposable
{
    private readonly HttpListener _listener = new();
    private Task _loop = Task.CompletedTask;

    protected LoopbackHttpListener()
    {
        Port = LoopbackPort.Free();
        _listener.Prefixes.Add($"http://127.0.0.1:{Port}/");
        _listener.Start();
    }

    public int Port { get; }

    public async ValueTask DisposeAsync()
    {
        Dispose();
        await _loop;
    }

    public void Dispose()
    {
        _listener.Close();
        GC.SuppressFinalize(this);
    }

    /// <summary>Starts serving; called by the subclass at the end of its constructor.</summary>
    protected void StartServing() => _loop = ServeAsync();

    /// <summary>Answers one request (and closes its response).</summary>
    protected abstract Task HandleAsync(HttpListenerContext context);

    private async Task ServeAsync()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                return;
            }

            _ = Task.Run(async () =>
            {
                try
                {
                    await HandleAsync(context);
                }
                catch (Exception e) when (e is IOException or HttpListenerException or ObjectDisposedException)
                {
                    // The client went away, or the listener is closing.
                }
            });
        }
    }
}
