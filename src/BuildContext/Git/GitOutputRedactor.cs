namespace QuayBuilder.BuildContext;

/// <summary>
/// Masks this fetch's secrets — every line of the private key and any credential in the URL —
/// in text from git or ssh before it reaches a log line or an exception. git echoes URLs in
/// its errors, so a token in <c>https://user:token@host</c> would otherwise leak.
/// </summary>
internal sealed class GitOutputRedactor
{
    private const string Mask = "***";

    // Shorter fragments could match ordinary words; key lines and tokens are far longer.
    private const int MinimumSecretLength = 6;

    private readonly string[] _secrets;

    public GitOutputRedactor(string? privateKey, string? url)
    {
        var secrets = new List<string>();
        if (!string.IsNullOrEmpty(privateKey))
        {
            foreach (string line in privateKey.Split('\n'))
            {
                string trimmed = line.Trim();
                if (trimmed.Length >= MinimumSecretLength && !trimmed.StartsWith("-----", StringComparison.Ordinal))
                {
                    secrets.Add(trimmed);
                }
            }
        }

        foreach (string secret in GitUrl.Secrets(url))
        {
            // A URL credential of a few characters would mask ordinary text; git prints URLs
            // redacted itself since 2.37, so those are still covered where they are echoed.
            if (secret.Length >= 4)
            {
                secrets.Add(secret);
            }
        }

        // Longest first, so a secret containing another is masked whole.
        _secrets = [.. secrets.Distinct(StringComparer.Ordinal).OrderByDescending(s => s.Length)];
    }

    public string Redact(string text)
    {
        foreach (string secret in _secrets)
        {
            if (text.Contains(secret, StringComparison.Ordinal))
            {
                text = text.Replace(secret, Mask, StringComparison.Ordinal);
            }
        }

        return text;
    }
}
