using QuayBuilder.Hosting;

namespace QuayBuilder.Local;

/// <summary>Local mode runs in a terminal, not under a service manager: there is nobody to notify.</summary>
internal sealed class NoServiceNotifier : IServiceNotifier
{
    public void Ready()
    {
    }

    public void Status(string status)
    {
    }

    public void Stopping()
    {
    }
}
