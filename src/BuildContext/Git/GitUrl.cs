using System.Text.RegularExpressions;

namespace QuayBuilder.BuildContext;

/// <summary>
/// A repository URL that was checked to be something git will only ever treat as a URL:
/// never an option (<c>--upload-pack=…</c>), never a shell word, never a remote-helper
/// transport (<c>ext::</c>). Build packs come from users, so anything else is refused before
/// git sees it.
/// </summary>
internal sealed partial record GitUrl(string Value, GitUrlKind Kind, string Host)
{
    // Characters a shell or git's own GIT_SSH_COMMAND expansion would interpret. No hosted
    // Git service uses them in a repository URL, so their presence means a mistake or an attack.
    private const string ShellMetacharacters = ";|&`$<>()\\\"'{}*?!#";

    public bool UsesSsh => Kind is GitUrlKind.Ssh or GitUrlKind.ScpLike;

    /// <summary>Checks <paramref name="url"/>; throws a <see cref="SourceException"/> saying what is wrong.</summary>
    public static GitUrl Parse(string? url, bool allowLocal)
    {
        if (string.IsNullOrWhiteSpace(url))
        {
            throw Invalid(url ?? string.Empty, "the URL is empty");
        }

        if (url.StartsWith('-'))
        {
            throw Invalid(url, "a URL may not start with '-' (git would read it as an option)");
        }

        foreach (char c in url)
        {
            if (char.IsControl(c) || char.IsWhiteSpace(c))
            {
                throw Invalid(url, "the URL contains whitespace or control characters");
            }
        }

        if (TransportPrefix().IsMatch(url))
        {
            throw Invalid(url, "remote-helper transports such as ext:: are not allowed");
        }

        int schemeEnd = url.IndexOf("://", StringComparison.Ordinal);
        if (schemeEnd > 0)
        {
            return ParseWithScheme(url, url[..schemeEnd].ToLowerInvariant(), url[(schemeEnd + 3)..], allowLocal);
        }

        if (url.StartsWith('/'))
        {
            if (!allowLocal)
            {
                throw Invalid(url, "local paths are not allowed; use an ssh:// , scp-like (git@host:owner/repo.git) or https:// URL");
            }

            RejectMetacharacters(url, url);
            return new GitUrl(url, GitUrlKind.Local, string.Empty);
        }

        return ParseScpLike(url);
    }

    /// <summary>
    /// The URL as it may be shown: no password, no HTTP username (often a token), no query.
    /// Never throws, so it can format even a URL that failed validation.
    /// </summary>
    public static string Redact(string? url)
    {
        if (string.IsNullOrEmpty(url))
        {
            return string.Empty;
        }

        string result = url;
        int query = result.IndexOf('?', StringComparison.Ordinal);
        if (query >= 0)
        {
            result = result[..query] + "?***";
        }

        int schemeEnd = result.IndexOf("://", StringComparison.Ordinal);
        if (schemeEnd > 0)
        {
            int authorityStart = schemeEnd + 3;
            int slash = result.IndexOf('/', authorityStart);
            int authorityEnd = slash < 0 ? result.Length : slash;
            int at = result.LastIndexOf('@', authorityEnd - 1, authorityEnd - authorityStart);
            if (at >= 0)
            {
                string scheme = result[..schemeEnd].ToLowerInvariant();
                string userInfo = result[authorityStart..at];
                int colon = userInfo.IndexOf(':', StringComparison.Ordinal);
                string shown = scheme.StartsWith("http", StringComparison.Ordinal)
                    ? "***"
                    : colon >= 0 ? userInfo[..colon] + ":***" : userInfo;
                result = result[..authorityStart] + shown + result[at..];
            }
        }

        return result;
    }

    /// <summary>Credentials embedded in the URL, which must be masked wherever git echoes them.</summary>
    public static IEnumerable<string> Secrets(string? url)
    {
        if (string.IsNullOrEmpty(url))
        {
            yield break;
        }

        int schemeEnd = url.IndexOf("://", StringComparison.Ordinal);
        if (schemeEnd <= 0)
        {
            yield break;
        }

        int authorityStart = schemeEnd + 3;
        int slash = url.IndexOf('/', authorityStart);
        int authorityEnd = slash < 0 ? url.Length : slash;
        int at = url.LastIndexOf('@', authorityEnd - 1, authorityEnd - authorityStart);
        if (at < 0)
        {
            yield break;
        }

        string userInfo = url[authorityStart..at];
        int colon = userInfo.IndexOf(':', StringComparison.Ordinal);
        if (colon >= 0 && colon + 1 < userInfo.Length)
        {
            yield return userInfo[(colon + 1)..];
        }

        if (url[..schemeEnd].StartsWith("http", StringComparison.OrdinalIgnoreCase))
        {
            string user = colon >= 0 ? userInfo[..colon] : userInfo;
            if (user.Length > 0)
            {
                yield return user;
            }
        }

        int query = url.IndexOf('?', StringComparison.Ordinal);
        if (query >= 0 && query + 1 < url.Length)
        {
            yield return url[(query + 1)..];
        }
    }

    public override string ToString() => Redact(Value);

    private static GitUrl ParseWithScheme(string url, string scheme, string rest, bool allowLocal)
    {
        GitUrlKind kind = scheme switch
        {
            "ssh" or "git+ssh" or "ssh+git" => GitUrlKind.Ssh,
            "https" or "http" => GitUrlKind.Http,
            "git" => GitUrlKind.GitDaemon,
            "file" => GitUrlKind.Local,
            _ => throw Invalid(url, $"the scheme '{scheme}' is not supported; use ssh://, https://, http://, git:// or scp-like git@host:owner/repo.git"),
        };

        if (kind == GitUrlKind.Local)
        {
            if (!allowLocal)
            {
                throw Invalid(url, "file:// URLs are not allowed; use an ssh:// , scp-like (git@host:owner/repo.git) or https:// URL");
            }

            RejectMetacharacters(url, rest);
            return new GitUrl(url, kind, string.Empty);
        }

        int slash = rest.IndexOf('/', StringComparison.Ordinal);
        string authority = slash < 0 ? rest : rest[..slash];
        string path = slash < 0 ? string.Empty : rest[slash..];
        int at = authority.LastIndexOf('@');
        string userInfo = at < 0 ? string.Empty : authority[..at];
        string hostPort = at < 0 ? authority : authority[(at + 1)..];

        string host = hostPort;
        if (hostPort.StartsWith('['))
        {
            int close = hostPort.IndexOf(']', StringComparison.Ordinal);
            if (close < 0)
            {
                throw Invalid(url, "the host's closing ']' is missing");
            }

            host = hostPort[1..close];
            CheckPort(url, hostPort[(close + 1)..]);
        }
        else
        {
            int colon = hostPort.IndexOf(':', StringComparison.Ordinal);
            if (colon >= 0)
            {
                host = hostPort[..colon];
                CheckPort(url, hostPort[colon..]);
            }
        }

        CheckHost(url, host);
        if (kind == GitUrlKind.Http)
        {
            // Userinfo may be a token with any characters; it is masked, never interpreted by a shell.
            RejectMetacharacters(url, path);
        }
        else
        {
            CheckUser(url, userInfo);
            RejectMetacharacters(url, path);
        }

        if (path.Length <= 1)
        {
            throw Invalid(url, "the repository path is missing");
        }

        return new GitUrl(url, kind, host);
    }

    private static GitUrl ParseScpLike(string url)
    {
        int colon = url.IndexOf(':', StringComparison.Ordinal);
        int slash = url.IndexOf('/', StringComparison.Ordinal);
        if (colon <= 0 || (slash >= 0 && slash < colon))
        {
            throw Invalid(url, "expected ssh://host/path, https://host/path or scp-like user@host:path");
        }

        string userHost = url[..colon];
        string path = url[(colon + 1)..];
        int at = userHost.LastIndexOf('@');
        string user = at < 0 ? string.Empty : userHost[..at];
        string host = at < 0 ? userHost : userHost[(at + 1)..];
        if (host.StartsWith('[') && host.EndsWith(']'))
        {
            host = host[1..^1];
        }

        CheckUser(url, user);
        CheckHost(url, host);
        if (path.Length == 0 || path.StartsWith('-'))
        {
            throw Invalid(url, "the repository path after ':' is missing or starts with '-'");
        }

        RejectMetacharacters(url, path);
        return new GitUrl(url, GitUrlKind.ScpLike, host);
    }

    private static void CheckHost(string url, string host)
    {
        if (!HostName().IsMatch(host))
        {
            throw Invalid(url, "the host name is missing or contains characters a host name cannot have");
        }
    }

    private static void CheckUser(string url, string user)
    {
        if (user.Length > 0 && !UserName().IsMatch(user))
        {
            throw Invalid(url, "the user name contains characters a user name cannot have");
        }
    }

    private static void CheckPort(string url, string colonPort)
    {
        if (colonPort.Length == 0)
        {
            return;
        }

        if (colonPort[0] != ':' || !int.TryParse(colonPort.AsSpan(1), System.Globalization.NumberStyles.None, null, out int port) || port is < 1 or > 65535)
        {
            throw Invalid(url, "the port is not a number between 1 and 65535");
        }
    }

    private static void RejectMetacharacters(string url, string part)
    {
        int bad = part.AsSpan().IndexOfAny(ShellMetacharacters);
        if (bad >= 0)
        {
            throw Invalid(url, $"the character '{part[bad]}' cannot appear in a repository URL");
        }
    }

    private static SourceException Invalid(string url, string reason) =>
        new($"Invalid git repository URL ({Redact(url)}): {reason}. Check the repository URL in the build trigger.");

    [GeneratedRegex(@"^[A-Za-z][A-Za-z0-9+.\-]*::")]
    private static partial Regex TransportPrefix();

    // DNS names, IPv4 and bracket-less IPv6 literals; never starting with '-' (ssh option injection).
    [GeneratedRegex(@"^[A-Za-z0-9_:][A-Za-z0-9_.\-:%]*$")]
    private static partial Regex HostName();

    [GeneratedRegex(@"^[A-Za-z0-9_][A-Za-z0-9_.\-]*$")]
    private static partial Regex UserName();
}
