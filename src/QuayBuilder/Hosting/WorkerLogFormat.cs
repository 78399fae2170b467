namespace QuayBuilder.Hosting;

/// <summary>How the worker's own log lines look.</summary>
internal enum WorkerLogFormat
{
    /// <summary>Terminal, container log, popen child: "2026-01-31T12:00:00.000Z INFO  [uuid] text".</summary>
    Plain,

    /// <summary>Under systemd: "&lt;6&gt;[uuid] text" — journald parses the priority and adds its own timestamp.</summary>
    Journald,
}
