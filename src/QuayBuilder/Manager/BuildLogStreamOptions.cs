namespace QuayBuilder.Manager;

/// <summary>
/// The bounds of <see cref="BuildLogStream"/>. The defaults suit Quay's manager behind Quay's own
/// nginx (docs/adr/0009-build-log-delivery.md says where each number comes from).
/// </summary>
internal sealed record BuildLogStreamOptions
{
    /// <summary>16 KiB, Docker's split size: far under the 4 MiB a default gRPC server accepts.</summary>
    public const int DefaultMaxPieceBytes = 16 * 1024;

    /// <summary>4 MiB: under the 5 MB (<c>client_max_body_size 5M</c>) nginx lets one stream carry.</summary>
    public const long DefaultMaxStreamBytes = 4L * 1024 * 1024;

    /// <summary>64 MiB of text: generous; <c>LOG_MAX_BYTES</c> changes it.</summary>
    public const long DefaultMaxLogBytes = 64L * 1024 * 1024;

    /// <summary>Lines in flight before the sender waits for the manager's answers.</summary>
    public int Window { get; init; } = 256;

    /// <summary>
    /// The longest line text, in UTF-8 bytes, sent as one message; a longer line is split. Even
    /// with every char JSON-escaped (6 bytes for one) a message stays under 100 KiB plus the token.
    /// </summary>
    public int MaxPieceBytes { get; init; } = DefaultMaxPieceBytes;

    /// <summary>Bytes (gRPC frames) one LogMessage stream may carry before the sender moves to a new one.</summary>
    public long MaxStreamBytes { get; init; } = DefaultMaxStreamBytes;

    /// <summary>Bytes of line text the whole build log may hold (see <see cref="BuildLogBudget"/>).</summary>
    public long MaxLogBytes { get; init; } = DefaultMaxLogBytes;

    /// <summary>The setting named in the notice when the log is cut.</summary>
    public string MaxLogBytesSetting { get; init; } = "LOG_MAX_BYTES";

    /// <summary>
    /// With nothing to send and every line answered for this long, the stream is closed cleanly and
    /// a new one opened when the next line comes. 30 s is well inside nginx's default
    /// <c>grpc_read_timeout</c> of 60 s, after which nginx cuts a stream the manager sent nothing on.
    /// </summary>
    public TimeSpan IdleClose { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>The longest <see cref="BuildLogStream.FlushAsync"/> waits, whatever the caller's token.</summary>
    public TimeSpan FlushTimeout { get; init; } = TimeSpan.FromSeconds(15);
}
