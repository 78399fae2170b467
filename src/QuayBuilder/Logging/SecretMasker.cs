using System.Text;

namespace QuayBuilder.Logging;

/// <summary>
/// Replaces every known secret in a text with <c>***</c>. Every path that writes text out of
/// the process — the worker's log, the journal, the build log, exception messages shown to the
/// user — passes through one instance of this. Secrets are registered as soon as they are known
/// (TOKEN at start, the build pack's tokens, password and key on registration).
/// </summary>
/// <remarks>
/// A multi-line secret (an SSH private key) is also registered line by line, so a single line of
/// it quoted by git or ssh is masked too. Thread-safe: secrets are added rarely and read often,
/// so the list is replaced copy-on-write.
/// </remarks>
internal sealed class SecretMasker
{
    internal const string Mask = "***";

    // Shorter values would mask ordinary words ("true", "root") and tell an attacker nothing anyway.
    private const int MinimumLength = 6;

    private string[] _secrets = [];
    private readonly Lock _gate = new();

    public void Add(string? secret)
    {
        if (string.IsNullOrWhiteSpace(secret))
        {
            return;
        }

        var values = new List<string> { secret.Trim() };
        if (secret.Contains('\n', StringComparison.Ordinal))
        {
            foreach (var line in secret.Split('\n'))
            {
                values.Add(line.Trim());
            }
        }

        // A secret is often seen again in encoded forms: base64 in auth headers, URL-escaped in URLs.
        values.Add(Convert.ToBase64String(Encoding.UTF8.GetBytes(secret.Trim())));
        values.Add(Uri.EscapeDataString(secret.Trim()));

        lock (_gate)
        {
            var all = new HashSet<string>(_secrets, StringComparer.Ordinal);
            foreach (var value in values)
            {
                if (value.Length >= MinimumLength && !IsKeyFrame(value))
                {
                    all.Add(value);
                }
            }

            // Longest first, so a secret that contains another is masked whole.
            _secrets = [.. all.OrderByDescending(s => s.Length).ThenBy(s => s, StringComparer.Ordinal)];
        }
    }

    public string Apply(string? text)
    {
        if (string.IsNullOrEmpty(text))
        {
            return text ?? string.Empty;
        }

        var secrets = Volatile.Read(ref _secrets);
        foreach (var secret in secrets)
        {
            if (text.Contains(secret, StringComparison.Ordinal))
            {
                text = text.Replace(secret, Mask, StringComparison.Ordinal);
            }
        }

        return text;
    }

    // The BEGIN/END lines of a PEM or OpenSSH key are public knowledge; masking them would only
    // hide which kind of key failed.
    private static bool IsKeyFrame(string line) =>
        !line.Contains('\n', StringComparison.Ordinal) && line.StartsWith("-----", StringComparison.Ordinal) && line.EndsWith("-----", StringComparison.Ordinal);
}
