using System.Globalization;

namespace QuayBuilder.Configuration;

/// <summary>
/// The environment as the settings readers see it: a blank value is unset (Quay's executors pass
/// empty strings for what they do not configure), values are trimmed, and each kind of value has
/// one parser whose <see cref="ConfigurationException"/> names the variable and the fix.
/// </summary>
internal sealed class EnvironmentValues
{
    private readonly Func<string, string?> _environment;

    public EnvironmentValues(Func<string, string?> environment)
    {
        ArgumentNullException.ThrowIfNull(environment);
        _environment = environment;
    }

    /// <summary>The environment as given, for readers with their own rules (proxies read two spellings).</summary>
    public Func<string, string?> Raw => _environment;

    public string? Get(string name)
    {
        var value = _environment(name);
        return string.IsNullOrWhiteSpace(value) ? null : value.Trim();
    }

    public bool Bool(string name) => Get(name)?.ToLowerInvariant() switch
    {
        null or "false" or "0" or "no" => false,
        "true" or "1" or "yes" => true,
        var other => throw new ConfigurationException($"{name} '{other}' is not a boolean: use true or false."),
    };

    /// <summary>A switch that is on unless set to false.</summary>
    public bool BoolOnByDefault(string name) => Get(name) is null || Bool(name);

    public TimeSpan? Seconds(string name)
    {
        var value = Get(name);
        if (value is null)
        {
            return null;
        }

        return double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out double seconds) && seconds > 0 && seconds < 7 * 24 * 3600
            ? TimeSpan.FromSeconds(seconds)
            : throw new ConfigurationException($"{name} '{value}' is not a positive number of seconds.");
    }

    public long? Count(string name)
    {
        var value = Get(name);
        if (value is null)
        {
            return null;
        }

        return long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out long count) && count > 0
            ? count
            : throw new ConfigurationException($"{name} '{value}' is not a positive whole number.");
    }

    public string? ReadableFile(string name)
    {
        var path = Get(name);
        if (path is null)
        {
            return null;
        }

        try
        {
            using var _ = File.OpenRead(path);
            return path;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ConfigurationException($"{name} names '{path}', which cannot be read ({e.Message}): fix the path or unset {name}.");
        }
    }

    public string? Directory(string name)
    {
        var path = Get(name);
        if (path is not null && !System.IO.Directory.Exists(path))
        {
            throw new ConfigurationException($"{name} names '{path}', which is not a directory: create it or unset {name}.");
        }

        return path;
    }

    /// <summary>
    /// A file of CA certificates (TLS_CERT_PATH, SSL_CERT_FILE, GIT_SSL_CAINFO). kubernetesPodman
    /// names /certs/cacert.crt, which only its image's entrypoint made: with CA_CERT set, a missing
    /// file is made later (CaTrustSetup), never a reason to stop.
    /// </summary>
    public string? CaFile(string name) =>
        Get("CA_CERT") is not null && Get(name) is { } named && !File.Exists(named) ? named : ReadableFile(name);
}
