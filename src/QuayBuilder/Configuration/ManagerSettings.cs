namespace QuayBuilder.Configuration;

/// <summary>
/// What worker mode needs to reach Quay's build manager and keep its job: the endpoint, the
/// registration token and the timings of registration and heartbeats. Only worker mode reads
/// them; <c>local</c> has no manager and <c>check</c> reads single variables.
/// </summary>
internal sealed record ManagerSettings
{
    /// <summary><c>SERVER</c>: the build manager as host and port, exactly as given.</summary>
    public required string Server { get; init; }

    /// <summary><c>TOKEN</c>: the registration JWT. Secret: never printed.</summary>
    public required string Token { get; init; }

    /// <summary><c>INSECURE=true</c>: plaintext HTTP/2 to the manager.</summary>
    public bool Insecure { get; init; }

    /// <summary><c>HEARTBEAT_INTERVAL</c> (seconds): well inside the manager's 60 s window.</summary>
    public TimeSpan HeartbeatInterval { get; init; } = ManagerSettingsReader.DefaultHeartbeatInterval;

    /// <summary>
    /// <c>HEARTBEAT_WINDOW</c> (seconds): the manager marks a job dead after this long without a
    /// heartbeat (60 s in protocol.md); the worker gives the job up after the same silence.
    /// </summary>
    public TimeSpan HeartbeatWindow { get; init; } = ManagerSettingsReader.DefaultHeartbeatWindow;

    /// <summary><c>REGISTRATION_TIMEOUT</c> (seconds): how long transient failures of Ping/RegisterBuildJob are retried.</summary>
    public TimeSpan RegistrationRetryTime { get; init; } = ManagerSettingsReader.DefaultRegistrationRetryTime;

    /// <summary><c>BUILD_UUID</c>: informational; prefixes the worker's own log lines.</summary>
    public string? BuildUuid { get; init; }

    /// <summary>
    /// The gRPC address: SERVER with a scheme. <c>INSECURE=true</c> means plaintext; TLS otherwise.
    /// </summary>
    public Uri Address => new((Insecure ? "http://" : "https://") + Server);
}
