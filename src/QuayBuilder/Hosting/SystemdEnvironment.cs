namespace QuayBuilder.Hosting;

/// <summary>
/// The variables systemd sets for a service, read once. Passed to <see cref="SystemdNotifier"/>
/// and <see cref="WorkerLogging"/> instead of them reading the process environment, so tests
/// can run side by side without racing on process-wide state.
/// </summary>
/// <param name="NotifySocket">NOTIFY_SOCKET: where sd_notify datagrams go; set for Type=notify units.</param>
/// <param name="WatchdogUsec">WATCHDOG_USEC: the watchdog timeout in microseconds (WatchdogSec=).</param>
/// <param name="WatchdogPid">WATCHDOG_PID: the process the watchdog timeout is meant for.</param>
/// <param name="JournalStream">JOURNAL_STREAM: "device:inode" of stdout/stderr when connected to journald.</param>
/// <param name="InvocationId">INVOCATION_ID: set for every process systemd starts as a unit.</param>
internal sealed record SystemdEnvironment(
    string? NotifySocket,
    string? WatchdogUsec,
    string? WatchdogPid,
    string? JournalStream,
    string? InvocationId)
{
    /// <summary>Not under systemd at all: nothing is sent, logs are plain.</summary>
    public static SystemdEnvironment None { get; } = new(null, null, null, null, null);

    /// <summary>
    /// True when our output lands in the journal, so lines should carry <c>&lt;N&gt;</c> priority
    /// prefixes and no timestamps. INVOCATION_ID alone counts too: a unit with
    /// StandardError=journal+console or an older systemd may not set JOURNAL_STREAM.
    /// </summary>
    public bool LogsToJournal =>
        !string.IsNullOrEmpty(JournalStream) || !string.IsNullOrEmpty(InvocationId);

    public static SystemdEnvironment FromProcess() => new(
        Environment.GetEnvironmentVariable("NOTIFY_SOCKET"),
        Environment.GetEnvironmentVariable("WATCHDOG_USEC"),
        Environment.GetEnvironmentVariable("WATCHDOG_PID"),
        Environment.GetEnvironmentVariable("JOURNAL_STREAM"),
        Environment.GetEnvironmentVariable("INVOCATION_ID"));
}
