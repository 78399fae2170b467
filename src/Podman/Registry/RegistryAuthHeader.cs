using System.Text.Json;

namespace QuayBuilder.Podman;

/// <summary>
/// Encodes credentials for the X-Registry-Auth / X-Registry-Config headers: base64url of
/// Docker's AuthConfig JSON. Credentials travel only in these headers, never in a URL.
/// </summary>
internal static class RegistryAuthHeader
{
    internal const string AuthHeader = "X-Registry-Auth";
    internal const string ConfigHeader = "X-Registry-Config";

    internal static string Encode(RegistryAuth auth)
    {
        var json = JsonSerializer.SerializeToUtf8Bytes(
            new AuthConfig { Username = auth.Username, Password = auth.Password }, PodmanJsonContext.Default.AuthConfig);
        return ToBase64Url(json);
    }

    /// <summary>The multi-registry form: registry host → credentials.</summary>
    internal static string EncodeConfig(IReadOnlyDictionary<string, RegistryAuth> credentials)
    {
        var map = credentials.ToDictionary(
            pair => pair.Key,
            pair => new AuthConfig { Username = pair.Value.Username, Password = pair.Value.Password, ServerAddress = pair.Key },
            StringComparer.Ordinal);
        var json = JsonSerializer.SerializeToUtf8Bytes(map, PodmanJsonContext.Default.DictionaryStringAuthConfig);
        return ToBase64Url(json);
    }

    // Go's base64.URLEncoding: URL alphabet, with padding.
    private static string ToBase64Url(byte[] bytes) => Convert.ToBase64String(bytes).Replace('+', '-').Replace('/', '_');
}
