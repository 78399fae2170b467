namespace QuayBuilder.BuildContext;

/// <summary>
/// A package URL as it may be shown: scheme, host, port and path only. The query string of
/// a pre-signed URL is its signature (a credential) and user info is a password, so
/// neither ever reaches a log line or a message.
/// </summary>
internal static class PackageUrl
{
    public static string Display(Uri url) =>
        url.IsAbsoluteUri ? $"{url.Scheme}://{url.Authority.Split('@')[^1]}{url.AbsolutePath}" : "(relative URL)";
}
