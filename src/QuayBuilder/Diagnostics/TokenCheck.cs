using System.Buffers.Text;
using System.Globalization;
using System.Text.Json;
using QuayBuilder.Configuration;

namespace QuayBuilder.Diagnostics;

/// <summary>
/// TOKEN is checked for presence and shape only: it is never sent anywhere (a RegisterBuildJob
/// would consume it) and its value never reaches the output. The <c>exp</c> claim is read because
/// an expired registration token is the commonest reason a worker starts too late.
/// </summary>
internal static class TokenCheck
{
    public const string Name = "token";

    public static CheckLine Run(Func<string, string?> environment, DateTimeOffset now)
    {
        string token;
        try
        {
            token = ManagerSettingsReader.ReadToken(new EnvironmentValues(environment));
        }
        catch (ConfigurationException e)
        {
            return CheckLine.Fail(Name, e.Message);
        }

        var parts = token.Split('.');
        if (parts.Length != 3 || parts.Any(part => part.Length == 0 || !Base64Url.IsValid(part)))
        {
            return CheckLine.Fail(Name,
                $"TOKEN is set but is not a JWT ({parts.Length} dot-separated part(s); a JWT has 3 base64url parts) — pass the registration token Quay's executor issued for this build, unchanged.");
        }

        var expiry = ReadExpiry(parts[1]);
        if (expiry is null)
        {
            return CheckLine.Ok(Name, "TOKEN set (JWT, 3 parts)");
        }

        var shown = expiry.Value.ToString("yyyy-MM-dd HH:mm:ss 'UTC'", CultureInfo.InvariantCulture);
        return expiry.Value > now
            ? CheckLine.Ok(Name, $"TOKEN set (JWT, 3 parts, expires {shown})")
            : CheckLine.Fail(Name,
                $"TOKEN expired at {shown} — a registration token is valid only JOB_REGISTRATION_TIMEOUT after the build was queued: start the worker sooner or raise JOB_REGISTRATION_TIMEOUT in Quay's build manager configuration.");
    }

    private static DateTimeOffset? ReadExpiry(string payload)
    {
        try
        {
            using var document = JsonDocument.Parse(Base64Url.DecodeFromChars(payload));
            return document.RootElement.ValueKind == JsonValueKind.Object
                && document.RootElement.TryGetProperty("exp", out var exp)
                && exp.TryGetInt64(out long seconds)
                && seconds is > 0 and < 253402300800
                ? DateTimeOffset.FromUnixTimeSeconds(seconds)
                : null;
        }
        catch (JsonException)
        {
            // An opaque payload is the manager's business; the shape alone is what we can vouch for.
            return null;
        }
    }
}
