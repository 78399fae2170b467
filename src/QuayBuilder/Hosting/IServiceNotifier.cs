namespace QuayBuilder.Hosting;

/// <summary>
/// Tells the service manager (systemd) how the worker is doing. Every implementation is a no-op
/// when the worker does not run under a service manager, so callers never need to check.
/// </summary>
internal interface IServiceNotifier
{
    /// <summary>READY=1: the job is registered with the build manager. Call once.</summary>
    void Ready();

    /// <summary>
    /// STATUS=…: what <c>systemctl status</c> shows, e.g. "building: Step 3/7 : RUN make".
    /// Cheap to call for every step: identical and too-frequent updates are coalesced.
    /// </summary>
    void Status(string status);

    /// <summary>STOPPING=1: the worker is shutting down (after a build, on failure, or on SIGTERM).</summary>
    void Stopping();
}
