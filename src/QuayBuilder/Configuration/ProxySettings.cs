namespace QuayBuilder.Configuration;

/// <summary>
/// <c>HTTP_PROXY</c>, <c>HTTPS_PROXY</c> and <c>NO_PROXY</c> (or their lower-case spellings), read
/// once and applied the same way on every path: downloads, Git, the Podman service the worker
/// starts, and the build's RUN steps. An empty value means unset: Quay's executors pass empty
/// strings when no proxy is configured.
/// </summary>
internal sealed record ProxySettings
{
    public static ProxySettings None { get; } = new();

    public string? HttpProxy { get; init; }

    public string? HttpsProxy { get; init; }

    public string? NoProxy { get; init; }

    public bool IsEmpty => HttpProxy is null && HttpsProxy is null && NoProxy is null;

    public static ProxySettings Read(Func<string, string?> environment)
    {
        ArgumentNullException.ThrowIfNull(environment);
        string? Get(string upper)
        {
            var value = environment(upper);
            if (string.IsNullOrWhiteSpace(value))
            {
                value = environment(upper.ToLowerInvariant());
            }

            return string.IsNullOrWhiteSpace(value) ? null : value.Trim();
        }

        return new ProxySettings { HttpProxy = Get("HTTP_PROXY"), HttpsProxy = Get("HTTPS_PROXY"), NoProxy = Get("NO_PROXY") };
    }

    /// <summary>
    /// The passwords of proxy URLs with credentials (<c>http://user:password@proxy:3128</c>),
    /// unescaped, for the secret masker (which adds the escaped form): a proxy error from Podman,
    /// Git or a RUN step may quote the URL.
    /// </summary>
    public IEnumerable<string> Secrets()
    {
        foreach (var proxy in new[] { HttpProxy, HttpsProxy })
        {
            if (proxy is null || !Uri.TryCreate(proxy.Contains("://", StringComparison.Ordinal) ? proxy : "http://" + proxy, UriKind.Absolute, out var uri))
            {
                continue;
            }

            int colon = uri.UserInfo.IndexOf(':', StringComparison.Ordinal);
            if (colon >= 0 && colon < uri.UserInfo.Length - 1)
            {
                yield return Uri.UnescapeDataString(uri.UserInfo[(colon + 1)..]);
            }
        }
    }

    /// <summary>
    /// Both spellings of every set variable, and null (remove) for every unset one: curl reads only
    /// the lower-case <c>http_proxy</c>, Go and .NET read either, and an inherited empty or stale
    /// value must not win over what the worker decided.
    /// </summary>
    public IReadOnlyDictionary<string, string?> Environment()
    {
        var variables = new Dictionary<string, string?>(StringComparer.Ordinal);
        foreach (var (name, value) in Pairs())
        {
            variables[name] = value;
            variables[name.ToLowerInvariant()] = value;
        }

        return variables;
    }

    /// <summary>
    /// Docker's predefined proxy build arguments, both spellings, for the set variables only:
    /// a RUN step sees them as environment variables; the image does not keep them.
    /// </summary>
    public IReadOnlyDictionary<string, string> BuildArguments() =>
        Environment().Where(p => p.Value is not null).ToDictionary(p => p.Key, p => p.Value!, StringComparer.Ordinal);

    private IEnumerable<(string Name, string? Value)> Pairs() =>
        [("HTTP_PROXY", HttpProxy), ("HTTPS_PROXY", HttpsProxy), ("NO_PROXY", NoProxy)];
}
