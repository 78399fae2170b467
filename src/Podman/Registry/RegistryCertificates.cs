using System.Collections.Concurrent;

namespace QuayBuilder.Podman;

/// <summary>
/// Makes a runtime service that the worker did not start trust extra CAs for a registry:
/// containers/image reads every <c>*.crt</c> of <c>certs.d/&lt;host[:port]&gt;/</c> as a CA added to
/// the system's, at each pull and push, so a file written there takes effect without a restart
/// (measured on Podman 4.3.1, docs/adr/0008-ca-and-proxies.md). The REST API has no per-request
/// CA (podman-remote refuses <c>--cert-dir</c>), so this is the only way short of <c>tlsVerify=false</c>.
/// </summary>
internal sealed class RegistryCertificates
{
    internal const string FileName = "quay-builder-ca.crt";

    private readonly string? _directory;
    private readonly string? _pem;
    private readonly ConcurrentDictionary<string, bool> _done = new(StringComparer.Ordinal);

    internal RegistryCertificates(RuntimeClientOptions options)
    {
        _directory = options.CertsDirectory;
        _pem = string.IsNullOrWhiteSpace(options.RegistryCaPem) ? null : options.RegistryCaPem.TrimEnd() + "\n";
    }

    /// <summary>
    /// Writes the CA file for the registry of <paramref name="reference"/> when it is missing or
    /// different. A failure to write is not a failure of the pull: the pull then says whether the
    /// registry is trusted anyway, and its certificate error says what to set.
    /// </summary>
    internal void EnsureFor(string reference)
    {
        if (_directory is null || _pem is null || RegistryHost(reference) is not { } host || !_done.TryAdd(host, true))
        {
            return;
        }

        try
        {
            var directory = Path.Combine(_directory, host);
            var path = Path.Combine(directory, FileName);
            if (File.Exists(path) && string.Equals(File.ReadAllText(path), _pem, StringComparison.Ordinal))
            {
                return;
            }

            Directory.CreateDirectory(directory);
            // Written beside and renamed: a pull running beside this one never reads half a file.
            var temporary = Path.Combine(directory, $".{FileName}.{Environment.ProcessId}");
            File.WriteAllText(temporary, _pem);
            if (!OperatingSystem.IsWindows())
            {
                // A rootless service of another user reads it too; a CA certificate is public.
                File.SetUnixFileMode(temporary, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
            }

            File.Move(temporary, path, overwrite: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Not writable (a non-root worker beside a rootful service): the pull decides.
            _done.TryRemove(host, out _);
        }
    }

    /// <summary>
    /// The registry host of a reference as certs.d names it (<c>host</c> or <c>host:port</c>); null
    /// for Docker Hub's short names, whose CA is public.
    /// </summary>
    internal static string? RegistryHost(string reference)
    {
        var slash = reference.IndexOf('/', StringComparison.Ordinal);
        if (slash <= 0)
        {
            return null;
        }

        var first = reference[..slash];
        var isHost = first.Contains('.', StringComparison.Ordinal) || first.Contains(':', StringComparison.Ordinal) || first == "localhost";
        return isHost && first.IndexOfAny(['/', '\\']) < 0 && first is not ("." or "..") ? first : null;
    }
}
