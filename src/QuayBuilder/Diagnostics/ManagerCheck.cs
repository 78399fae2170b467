using System.Diagnostics;
using System.Globalization;
using Grpc.Core;
using QuayBuilder.Build;
using QuayBuilder.Configuration;
using QuayBuilder.Manager;
using QuayBuilder.Protocol;

namespace QuayBuilder.Diagnostics;

/// <summary>
/// Pings the build manager over the channel the worker itself would open, once and with a short
/// deadline (the worker retries; a diagnosis should answer quickly). Never RegisterBuildJob: that
/// would consume the registration token. The answer's HTTP <c>date</c> header, when the manager
/// sends one, gives the clock skew.
/// </summary>
internal static class ManagerCheck
{
    public const string Name = "manager";
    public const string ClockName = "clock";

    private static readonly TimeSpan PingDeadline = TimeSpan.FromSeconds(5);

    /// <summary>Beyond this the skew is worth a warning; beyond <see cref="SkewFailure"/> TLS and token validity break.</summary>
    private static readonly TimeSpan SkewWarning = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan SkewFailure = TimeSpan.FromMinutes(5);

    public static async Task<IReadOnlyList<CheckLine>> RunAsync(Func<string, string?> environment, CancellationToken ct)
    {
        ManagerSettings manager;
        try
        {
            var values = new EnvironmentValues(environment);
            // A ping carries no token: the check never registers, so TOKEN is neither read nor sent here.
            manager = new ManagerSettings { Server = ManagerSettingsReader.ReadServer(values), Token = string.Empty, Insecure = values.Bool("INSECURE") };
        }
        catch (ConfigurationException e)
        {
            return [CheckLine.Fail(Name, e.Message), NotVisible("the manager was not asked")];
        }

        // The extra CAs are taken as given; the "ca" check reports on them, so an unusable one is a skip here, not a second failure.
        var settings = new WorkerSettings
        {
            Manager = manager,
            Build = new BuildSettings(),
            TlsCertPath = Present(environment("TLS_CERT_PATH")),
            CaCert = Present(environment("CA_CERT")),
        };
        var transport = manager.Insecure ? "plaintext" : "TLS";
        Grpc.Net.Client.GrpcChannel channel;
        try
        {
            channel = ManagerChannelFactory.Create(settings);
        }
        catch (BuildFailure)
        {
            return [
                CheckLine.Skip(Name, $"{manager.Server} not asked: the CA certificates in TLS_CERT_PATH/CA_CERT are unusable (see the ca lines)"),
                NotVisible("the manager was not asked"),
            ];
        }

        using (channel)
        {
            var client = new BuildManager.BuildManagerClient(channel);
            var clock = Stopwatch.StartNew();
            try
            {
                using var call = client.PingAsync(new PingRequest(), deadline: DateTime.UtcNow + PingDeadline, cancellationToken: ct);
                var headers = await call.ResponseHeadersAsync.ConfigureAwait(false);
                var answeredAt = DateTimeOffset.UtcNow;
                await call.ResponseAsync.ConfigureAwait(false);
                var elapsed = clock.Elapsed;
                return [
                    CheckLine.Ok(Name, $"{manager.Server} answered ping ({transport}, {elapsed.TotalMilliseconds:0} ms)"),
                    Skew(headers.GetValue("date"), answeredAt, elapsed),
                ];
            }
            catch (RpcException e) when (!ct.IsCancellationRequested)
            {
                return [CheckLine.Fail(Name, Explain(settings, transport, e)), NotVisible("the manager did not answer")];
            }
        }
    }

    private static string Explain(WorkerSettings settings, string transport, RpcException e)
    {
        var server = settings.Manager.Server;
        if (FailureChain.FindTls(e) is { } tls)
        {
            var trusted = settings.TlsCertPath is { } path ? $"the system CAs and TLS_CERT_PATH {path}" : "the system CAs only";
            if (settings.CaCert is not null)
            {
                trusted += " and CA_CERT";
            }

            return $"{server}: the TLS handshake failed: the manager's certificate is not signed by a CA the worker trusts, or does not name the host in SERVER ({FailureChain.Describe(tls)}); the worker trusts {trusted} — set TLS_CERT_PATH to the CA that signed the manager's certificate (its name must match SERVER), or INSECURE=true if the manager serves plaintext.";
        }

        // gRPC's own detail ("Error connecting to subchannel.") hides the socket error that says what happened.
        var detail = e.Status.DebugException is { } cause ? FailureChain.Describe(cause) : e.Status.Detail;
        return e.StatusCode switch
        {
            StatusCode.Unavailable => $"{server} did not answer ping over {transport} ({detail}) — check that the manager runs, that SERVER names its gRPC port, that INSECURE matches its TLS setting, and that the network allows the connection.",
            StatusCode.DeadlineExceeded => $"{server} did not answer ping within {PingDeadline.TotalSeconds:0} s over {transport} — check that SERVER names the manager's gRPC port (not its HTTP port) and that INSECURE matches its TLS setting.",
            _ => $"{server} answered ping with {e.StatusCode} ({detail}) — check that SERVER names Quay's build manager gRPC port and see the manager's log.",
        };
    }

    /// <summary>The clock line from the ping answer's <c>date</c> header (null when the manager sent none).</summary>
    internal static CheckLine Skew(string? date, DateTimeOffset answeredAt, TimeSpan roundTrip)
    {
        if (date is null || !DateTimeOffset.TryParseExact(date, "r", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var managerTime))
        {
            return NotVisible("the manager's answer carries no date header");
        }

        // The header has whole seconds, servers refresh it once a second (Kestrel does), and it was
        // stamped somewhere within the round trip: up to 2 s plus the round trip is no evidence of skew.
        var skew = managerTime - answeredAt;
        var tolerance = TimeSpan.FromSeconds(2) + roundTrip;
        var magnitude = skew.Duration();
        var text = magnitude <= tolerance
            ? $"in step with the manager (within {tolerance.TotalSeconds:0.#} s, from the ping answer's date header)"
            : $"the manager's clock is {magnitude.TotalSeconds:0} s {(skew > TimeSpan.Zero ? "ahead of" : "behind")} this machine's";
        if (magnitude > SkewFailure)
        {
            return CheckLine.Fail(ClockName, $"{text} — certificates and tokens will look expired or not yet valid: synchronise this machine's clock (chrony, systemd-timesyncd).");
        }

        return magnitude > SkewWarning
            ? CheckLine.Warn(ClockName, $"{text} — synchronise this machine's clock (chrony, systemd-timesyncd).")
            : CheckLine.Ok(ClockName, text);
    }

    private static CheckLine NotVisible(string why) => CheckLine.Skip(ClockName, $"skew not visible: {why}");

    private static string? Present(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();
}
