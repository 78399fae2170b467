using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Grpc.Net.Client;
using QuayBuilder.Build;
using QuayBuilder.Configuration;

namespace QuayBuilder.Manager;

/// <summary>
/// Opens the gRPC channel to the build manager: TLS unless <c>INSECURE=true</c>, trusting the
/// system's CAs plus the extra ones by the rule downloads, Git and registries follow
/// (<see cref="CaTrust"/>); before that is established (diagnostics), those of <c>TLS_CERT_PATH</c> and <c>CA_CERT</c>.
/// </summary>
internal static class ManagerChannelFactory
{
    public static GrpcChannel Create(WorkerSettings settings)
    {
        var handler = new SocketsHttpHandler
        {
            ConnectTimeout = TimeSpan.FromSeconds(10),
            // Keep the one HTTP/2 connection alive across a long quiet build step, and notice a dead
            // manager within a heartbeat window rather than at the next write.
            KeepAlivePingDelay = TimeSpan.FromSeconds(20),
            KeepAlivePingTimeout = TimeSpan.FromSeconds(20),
            KeepAlivePingPolicy = HttpKeepAlivePingPolicy.WithActiveRequests,
            PooledConnectionIdleTimeout = Timeout.InfiniteTimeSpan,
            EnableMultipleHttp2Connections = true,
        };

        if (!settings.Manager.Insecure)
        {
            Trust(settings).Apply(handler);
        }

        return GrpcChannel.ForAddress(settings.Manager.Address, new GrpcChannelOptions
        {
            HttpHandler = handler,
            DisposeHttpClient = true,
            MaxReceiveMessageSize = 16 * 1024 * 1024,
        });
    }

    /// <summary>
    /// The worker's trust once <see cref="CaTrustSetup"/> has established it; before that
    /// (diagnostics), the CAs of TLS_CERT_PATH and CA_CERT under the same rule.
    /// </summary>
    internal static CaTrust Trust(WorkerSettings settings) =>
        settings.Build.Trust.Certificates.Count > 0 ? settings.Build.Trust : new CaTrust { Certificates = LoadExtraCertificates(settings) };

    /// <summary>The CA certificates the operator added in TLS_CERT_PATH and CA_CERT; the system's are trusted anyway.</summary>
    private static X509Certificate2Collection LoadExtraCertificates(WorkerSettings settings)
    {
        var certificates = new X509Certificate2Collection();
        // A TLS_CERT_PATH that does not exist yet is kubernetesPodman's /certs/cacert.crt: CA_CERT stands for it.
        if (settings.TlsCertPath is { } path && (settings.CaCert is null || File.Exists(path)))
        {
            int before = certificates.Count;
            try
            {
                certificates.ImportFromPemFile(path);
                if (certificates.Count == before)
                {
                    throw new CryptographicException("no BEGIN CERTIFICATE block found");
                }
            }
            catch (Exception e) when (e is CryptographicException or IOException or UnauthorizedAccessException)
            {
                throw new BuildFailure(FailureKind.Configuration,
                    $"TLS_CERT_PATH '{path}' holds no usable PEM certificate ({e.Message}): point it at the CA that signed the build manager's certificate.", e);
            }
        }

        if (settings.CaCert is { } pem)
        {
            int before = certificates.Count;
            try
            {
                certificates.ImportFromPem(pem);
                if (certificates.Count == before)
                {
                    throw new CryptographicException("no BEGIN CERTIFICATE block found");
                }
            }
            catch (CryptographicException e)
            {
                throw new BuildFailure(FailureKind.Configuration,
                    $"CA_CERT holds no usable PEM certificate ({e.Message}): it must be the PEM text of a CA certificate.", e);
            }
        }

        return certificates;
    }
}
