using System.Security.Cryptography;

namespace QuayBuilder.BuildContext;

/// <summary>
/// OpenSSH-style SHA256 fingerprints ("SHA256:base64-without-padding"), computed from the
/// base64 key blob of a public key or known_hosts line, so the build log can say exactly which
/// host key was trusted and which deploy key was used.
/// </summary>
internal static class SshFingerprint
{
    /// <summary>Fingerprint of a base64 key blob, or null when it is not valid base64.</summary>
    public static string? Of(string base64Blob)
    {
        byte[] blob;
        try
        {
            blob = Convert.FromBase64String(base64Blob);
        }
        catch (FormatException)
        {
            return null;
        }

        return "SHA256:" + Convert.ToBase64String(SHA256.HashData(blob)).TrimEnd('=');
    }

    /// <summary>
    /// "host (type) SHA256:…" for each entry of a known_hosts file; empty when the file is
    /// missing. Markers (@revoked, @cert-authority) and comments are skipped.
    /// </summary>
    public static IReadOnlyList<string> DescribeKnownHosts(string knownHostsFile)
    {
        if (!File.Exists(knownHostsFile))
        {
            return [];
        }

        var result = new List<string>();
        foreach (string line in File.ReadLines(knownHostsFile))
        {
            string[] fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length < 3 || fields[0].StartsWith('#') || fields[0].StartsWith('@'))
            {
                continue;
            }

            string? fingerprint = Of(fields[2]);
            if (fingerprint is not null)
            {
                result.Add($"{fields[0]} ({fields[1]}) {fingerprint}");
            }
        }

        return result;
    }

    /// <summary>Fingerprint of an OpenSSH public key line ("type base64 [comment]").</summary>
    public static string? OfPublicKeyLine(string line)
    {
        string[] fields = line.Trim().Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return fields.Length >= 2 ? Of(fields[1]) : null;
    }
}
