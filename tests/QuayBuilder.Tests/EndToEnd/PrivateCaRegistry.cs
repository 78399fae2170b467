using System.Diagnostics;
using System.Net.Http.Headers;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;

namespace QuayBuilder.Tests.EndToEnd;

/// <summary>
/// A private CA made with openssl, and Debian's docker-registry serving TLS on loopback with a
/// certificate it signed (for 127.0.0.1 and localhost). The same certificate serves the fake
/// manager's TLS, as Quay's one CA_CERT covers both. Seeded with the offline base image.
/// </summary>
internal sealed class PrivateCaRegistry : IAsyncDisposable
{
    private readonly DirectoryInfo _dir;
    private readonly Process _registry;
    private readonly HttpClient _http;

    private PrivateCaRegistry(DirectoryInfo dir, Process registry, string address, string caPem)
    {
        _dir = dir;
        _registry = registry;
        Address = address;
        CaPem = caPem;
        var ca = X509Certificate2.CreateFromPem(caPem);
        var handler = new SocketsHttpHandler { UseProxy = false };
        handler.SslOptions.RemoteCertificateValidationCallback = (_, certificate, _, errors) =>
        {
            if (errors == System.Net.Security.SslPolicyErrors.None)
            {
                return true;
            }

            using var chain = new X509Chain();
            chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
            chain.ChainPolicy.CustomTrustStore.Add(ca);
            chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
            return certificate is not null && chain.Build(new X509Certificate2(certificate));
        };
        _http = new HttpClient(handler) { BaseAddress = new Uri($"https://{address}/"), Timeout = TimeSpan.FromSeconds(30) };
    }

    /// <summary>host:port (127.0.0.1).</summary>
    public string Address { get; }

    public string CaPem { get; }

    public string BaseImage => $"{Address}/library/busybox:latest";

    public string CertificatePath => Path.Join(_dir.FullName, "server.crt");

    public string KeyPath => Path.Join(_dir.FullName, "server.key");

    /// <summary>The server certificate with its key, for Kestrel (the fake manager's TLS).</summary>
    public X509Certificate2 ServerCertificate()
    {
        using var pem = X509Certificate2.CreateFromPemFile(CertificatePath, KeyPath);
        return X509CertificateLoader.LoadPkcs12(pem.Export(X509ContentType.Pkcs12), null);
    }

    public static async Task<PrivateCaRegistry> StartAsync(TestServices services)
    {
        var dir = Directory.CreateTempSubdirectory("qb-private-ca-");
        string P(string name) => Path.Join(dir.FullName, name);
        await OpenSslAsync(dir, ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", P("ca.key"), "-out", P("ca.crt"), "-days", "2",
            "-subj", "/CN=quay-builder test private CA", "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign"]);
        await OpenSslAsync(dir, ["req", "-newkey", "rsa:2048", "-nodes", "-keyout", P("server.key"), "-out", P("server.csr"), "-subj", "/CN=127.0.0.1"]);
        await File.WriteAllTextAsync(P("server.ext"), "subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n");
        await OpenSslAsync(dir, ["x509", "-req", "-in", P("server.csr"), "-CA", P("ca.crt"), "-CAkey", P("ca.key"), "-CAcreateserial",
            "-out", P("server.crt"), "-days", "2", "-extfile", P("server.ext")]);

        var port = LoopbackPort.Free();
        var address = $"127.0.0.1:{port}";
        await File.WriteAllTextAsync(P("registry.yml"), $"""
            version: 0.1
            log:
              level: warn
            storage:
              filesystem:
                rootdirectory: {dir.FullName}/storage
            http:
              addr: {address}
              tls:
                certificate: {P("server.crt")}
                key: {P("server.key")}

            """);
        var registry = Process.Start(new ProcessStartInfo("docker-registry")
        {
            ArgumentList = { "serve", P("registry.yml") },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        }) ?? throw new InvalidOperationException("docker-registry did not start (run scripts/prereqs)");
        registry.OutputDataReceived += (_, _) => { };
        registry.ErrorDataReceived += (_, _) => { };
        registry.BeginOutputReadLine();
        registry.BeginErrorReadLine();

        var created = new PrivateCaRegistry(dir, registry, address, await File.ReadAllTextAsync(P("ca.crt")));
        try
        {
            await created.WaitUntilAnsweringAsync();
            await created.CopyFromAsync(services.Registry, "library/busybox", "latest");
            return created;
        }
        catch
        {
            await created.DisposeAsync();
            throw;
        }
    }

    public async Task<IReadOnlyList<string>> TagsAsync(string repository)
    {
        using var response = await _http.GetAsync($"v2/{repository}/tags/list");
        if (!response.IsSuccessStatusCode)
        {
            return [];
        }

        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return json.RootElement.TryGetProperty("tags", out var tags) && tags.ValueKind == JsonValueKind.Array
            ? [.. tags.EnumerateArray().Select(t => t.GetString()!)]
            : [];
    }

    public async ValueTask DisposeAsync()
    {
        _http.Dispose();
        if (!_registry.HasExited)
        {
            _registry.Kill();
            await _registry.WaitForExitAsync();
        }

        _registry.Dispose();
        _dir.Delete(recursive: true);
    }

    /// <summary>Copies an image from the plain-HTTP test registry with the registry API (manifest, config and layers).</summary>
    private async Task CopyFromAsync(string plainRegistry, string repository, string tag)
    {
        using var plain = new HttpClient { BaseAddress = new Uri($"http://{plainRegistry}/"), Timeout = TimeSpan.FromSeconds(30) };
        using var request = new HttpRequestMessage(HttpMethod.Get, $"v2/{repository}/manifests/{tag}");
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/vnd.docker.distribution.manifest.v2+json"));
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/vnd.oci.image.manifest.v1+json"));
        using var response = await plain.SendAsync(request);
        response.EnsureSuccessStatusCode();
        var mediaType = response.Content.Headers.ContentType!.MediaType!;
        var manifest = await response.Content.ReadAsByteArrayAsync();
        using var json = JsonDocument.Parse(manifest);
        var digests = json.RootElement.GetProperty("layers").EnumerateArray().Select(l => l.GetProperty("digest").GetString()!)
            .Prepend(json.RootElement.GetProperty("config").GetProperty("digest").GetString()!);
        foreach (var digest in digests)
        {
            var blob = await plain.GetByteArrayAsync($"v2/{repository}/blobs/{digest}");
            using var start = await _http.PostAsync($"v2/{repository}/blobs/uploads/", null);
            start.EnsureSuccessStatusCode();
            var location = start.Headers.Location!.ToString();
            var upload = location + (location.Contains('?', StringComparison.Ordinal) ? "&" : "?") + "digest=" + Uri.EscapeDataString(digest);
            using var body = new ByteArrayContent(blob);
            body.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
            using var put = await _http.PutAsync(new Uri(upload, UriKind.RelativeOrAbsolute), body);
            put.EnsureSuccessStatusCode();
        }

        using var manifestBody = new ByteArrayContent(manifest);
        manifestBody.Headers.ContentType = new MediaTypeHeaderValue(mediaType);
        using var putManifest = await _http.PutAsync($"v2/{repository}/manifests/{tag}", manifestBody);
        putManifest.EnsureSuccessStatusCode();
    }

    private async Task WaitUntilAnsweringAsync()
    {
        for (var i = 0; i < 100; i++)
        {
            try
            {
                using var response = await _http.GetAsync("v2/");
                if (response.IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
            }

            await Task.Delay(100);
        }

        throw new InvalidOperationException($"the TLS docker-registry on {Address} did not answer");
    }

    private static async Task OpenSslAsync(DirectoryInfo dir, string[] arguments)
    {
        var result = await ProcessRunner.RunAsync("openssl", arguments, null, TimeSpan.FromSeconds(60));
        if (result.ExitCode != 0)
        {
            throw new InvalidOperationException($"openssl {arguments[0]} failed in {dir.FullName}: {result}");
        }
    }
}
