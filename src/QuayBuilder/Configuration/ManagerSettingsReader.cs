using System.Globalization;

namespace QuayBuilder.Configuration;

/// <summary>
/// Reads <see cref="ManagerSettings"/>. SERVER and TOKEN are required here and nowhere else:
/// <c>local</c> and <c>check</c> never call <see cref="Read"/>; <c>check</c> uses the single-variable
/// readers, so each of its lines applies the worker's exact rule and message.
/// </summary>
internal static class ManagerSettingsReader
{
    internal static readonly TimeSpan DefaultHeartbeatInterval = TimeSpan.FromSeconds(10);
    internal static readonly TimeSpan DefaultHeartbeatWindow = TimeSpan.FromSeconds(60);
    internal static readonly TimeSpan DefaultRegistrationRetryTime = TimeSpan.FromSeconds(60);

    public static ManagerSettings Read(Func<string, string?> environment)
    {
        var values = new EnvironmentValues(environment);
        var server = ReadServer(values);
        var token = ReadToken(values);
        var timings = ReadTimings(values);
        return new ManagerSettings
        {
            Server = server,
            Token = token,
            Insecure = values.Bool("INSECURE"),
            HeartbeatInterval = timings.HeartbeatInterval,
            HeartbeatWindow = timings.HeartbeatWindow,
            RegistrationRetryTime = timings.RegistrationRetryTime,
            BuildUuid = values.Get("BUILD_UUID"),
        };
    }

    /// <summary><c>SERVER</c>, validated (required).</summary>
    public static string ReadServer(EnvironmentValues values)
    {
        ArgumentNullException.ThrowIfNull(values);
        var server = values.Get("SERVER") ?? throw new ConfigurationException(
            "SERVER is not set: set it to the build manager's gRPC endpoint as host:port (for example buildman.example.com:50051 or :55443 for TLS).");
        ValidateServer(server);
        return server;
    }

    /// <summary><c>TOKEN</c> (required). A JWT has no surrounding blanks worth keeping, but its value is never echoed.</summary>
    public static string ReadToken(EnvironmentValues values)
    {
        ArgumentNullException.ThrowIfNull(values);
        return values.Get("TOKEN") ?? throw new ConfigurationException(
            "TOKEN is not set: the build manager passes the registration token in TOKEN; start the worker the way Quay's executor does.");
    }

    /// <summary><c>HEARTBEAT_INTERVAL</c>, <c>HEARTBEAT_WINDOW</c> and <c>REGISTRATION_TIMEOUT</c>, with their defaults.</summary>
    public static (TimeSpan HeartbeatInterval, TimeSpan HeartbeatWindow, TimeSpan RegistrationRetryTime) ReadTimings(EnvironmentValues values)
    {
        ArgumentNullException.ThrowIfNull(values);
        var interval = values.Seconds("HEARTBEAT_INTERVAL") ?? DefaultHeartbeatInterval;
        var window = values.Seconds("HEARTBEAT_WINDOW") ?? DefaultHeartbeatWindow;
        var registration = values.Seconds("REGISTRATION_TIMEOUT") ?? DefaultRegistrationRetryTime;
        if (interval * 3 > window)
        {
            throw new ConfigurationException(
                $"HEARTBEAT_INTERVAL is {interval.TotalSeconds:0} s: it must stay well inside the manager's {window.TotalSeconds:0} s window; use at most a third of HEARTBEAT_WINDOW (defaults: 10 and 60).");
        }

        return (interval, window, registration);
    }

    /// <summary>
    /// SERVER is <c>host:port</c>; the port is never guessed (plaintext is 50051, TLS 55443, and
    /// a wrong guess fails in confusing ways).
    /// </summary>
    internal static void ValidateServer(string server)
    {
        if (server.Contains("://", StringComparison.Ordinal))
        {
            throw new ConfigurationException(
                $"SERVER '{server}' has a scheme: give host:port only (INSECURE=true selects plaintext, otherwise TLS is used).");
        }

        int colon = server.LastIndexOf(':');
        bool bracketed = server.StartsWith('[');
        if (colon < 0 || (bracketed && colon < server.IndexOf(']', StringComparison.Ordinal)))
        {
            throw new ConfigurationException(
                $"SERVER '{server}' has no port: give host:port, for example {server}:50051 (plaintext) or {server}:55443 (TLS).");
        }

        var host = server[..colon];
        var port = server[(colon + 1)..];
        if (host.Length == 0 || host.Any(char.IsWhiteSpace) || (!bracketed && host.Contains(':', StringComparison.Ordinal)))
        {
            throw new ConfigurationException(
                $"SERVER '{server}' is not host:port: write an IPv6 address in brackets, for example [::1]:50051.");
        }

        if (!int.TryParse(port, NumberStyles.None, CultureInfo.InvariantCulture, out int number) || number is < 1 or > 65535)
        {
            throw new ConfigurationException(
                $"SERVER '{server}' has an invalid port '{port}': the port must be a number from 1 to 65535.");
        }
    }
}
