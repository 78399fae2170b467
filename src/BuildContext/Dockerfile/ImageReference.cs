namespace QuayBuilder.BuildContext;

/// <summary>
/// An image reference from a <c>FROM</c> line, validated against the distribution reference
/// grammar (github.com/distribution/reference): <c>[domain/]path[:tag][@digest]</c>.
/// <see cref="Name"/> is kept as written: no <c>docker.io/library/</c> is added, because the
/// runtime normalises names itself and the manager's pull metadata shows what the user wrote.
/// </summary>
public sealed record ImageReference(string Name, string? Tag, string? Digest)
{
    private const string InvalidBaseImage = "FROM line specifies an invalid base image";

    /// <summary>Longest name the distribution grammar accepts (domain and path together).</summary>
    private const int MaxNameLength = 255;

    private const int MaxTagLength = 128;

    /// <summary>
    /// Docker's rule: the first path component is a registry host when it contains '.' or ':',
    /// is <c>localhost</c>, or has an uppercase letter (which a repository path may not);
    /// otherwise the image lives on Docker Hub.
    /// </summary>
    public string Domain
    {
        get
        {
            int slash = Name.IndexOf('/', StringComparison.Ordinal);
            if (slash < 0)
            {
                return "docker.io";
            }

            string first = Name[..slash];
            return IsDomainComponent(first) ? first : "docker.io";
        }
    }

    /// <summary>The tag to pull: the written tag, <c>latest</c> when there is none, empty when pinned by digest only.</summary>
    public string TagOrDefault => Tag ?? (Digest is null ? "latest" : string.Empty);

    /// <summary><c>FROM scratch</c>: an empty base, nothing to pull.</summary>
    public bool IsScratch => Tag is null && Digest is null && string.Equals(Name, "scratch", StringComparison.Ordinal);

    /// <summary>Whether the image is hosted on <paramref name="registry"/> (host[:port], case-insensitive).</summary>
    public bool IsHostedOn(string registry)
    {
        ArgumentNullException.ThrowIfNull(registry);
        return string.Equals(Domain, registry.Trim().TrimEnd('/'), StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>The name without its registry host (e.g. <c>acme/base</c> for <c>quay.io/acme/base</c>).</summary>
    public string Path
    {
        get
        {
            int slash = Name.IndexOf('/', StringComparison.Ordinal);
            return slash >= 0 && IsDomainComponent(Name[..slash]) ? Name[(slash + 1)..] : Name;
        }
    }

    public override string ToString() =>
        Name + (Tag is null ? string.Empty : ":" + Tag) + (Digest is null ? string.Empty : "@" + Digest);

    /// <summary>
    /// Parses and validates <paramref name="reference"/>. Linear in its length, no regular
    /// expressions. Throws <see cref="SourceException"/> ("FROM line specifies an invalid base image")
    /// naming what is wrong.
    /// </summary>
    public static ImageReference Parse(string reference)
    {
        ArgumentNullException.ThrowIfNull(reference);
        if (reference.Length == 0)
        {
            throw Invalid(reference, "the image name is empty");
        }

        string rest = reference;
        string? digest = null;
        int at = rest.IndexOf('@', StringComparison.Ordinal);
        if (at >= 0)
        {
            digest = rest[(at + 1)..];
            rest = rest[..at];
            ValidateDigest(reference, digest);
        }

        string? tag = null;
        int lastColon = rest.LastIndexOf(':');
        int lastSlash = rest.LastIndexOf('/');
        if (lastColon > lastSlash)
        {
            tag = rest[(lastColon + 1)..];
            rest = rest[..lastColon];
            ValidateTag(reference, tag);
        }

        ValidateName(reference, rest);
        return new ImageReference(rest, tag, digest);
    }

    private static bool IsDomainComponent(string first) =>
        first.Contains('.', StringComparison.Ordinal)
        || first.Contains(':', StringComparison.Ordinal)
        || first == "localhost"
        || first.Any(char.IsAsciiLetterUpper);

    private static void ValidateName(string reference, string name)
    {
        if (name.Length == 0)
        {
            throw Invalid(reference, "the image name is empty");
        }

        if (name.Length > MaxNameLength)
        {
            throw Invalid(reference, $"the image name is longer than {MaxNameLength} characters");
        }

        string[] components = name.Split('/');
        int start = 0;
        if (components.Length > 1 && IsDomainComponent(components[0]))
        {
            ValidateDomain(reference, components[0]);
            start = 1;
        }

        for (int i = start; i < components.Length; i++)
        {
            ValidatePathComponent(reference, components[i]);
        }
    }

    // domain := host [':' port]; host := domain-name | '[' IPv6 ']'; domain-name := component ('.' component)*
    private static void ValidateDomain(string reference, string domain)
    {
        string host = domain;
        int portColon;
        if (domain.StartsWith('['))
        {
            int close = domain.IndexOf(']', StringComparison.Ordinal);
            if (close < 0 || !System.Net.IPAddress.TryParse(domain[1..close], out var address)
                || address.AddressFamily != System.Net.Sockets.AddressFamily.InterNetworkV6)
            {
                throw Invalid(reference, $"the registry host \"{domain}\" is not valid");
            }

            portColon = close + 1 < domain.Length ? close + 1 : -1;
            if (portColon >= 0 && domain[portColon] != ':')
            {
                throw Invalid(reference, $"the registry host \"{domain}\" is not valid");
            }

            host = string.Empty;
        }
        else
        {
            portColon = domain.IndexOf(':', StringComparison.Ordinal);
            if (portColon >= 0)
            {
                host = domain[..portColon];
            }
        }

        if (portColon >= 0)
        {
            string port = domain[(portColon + 1)..];
            if (port.Length == 0 || !port.All(char.IsAsciiDigit))
            {
                throw Invalid(reference, $"the registry port in \"{domain}\" is not a number");
            }
        }

        if (host.Length == 0 && !domain.StartsWith('['))
        {
            throw Invalid(reference, $"the registry host \"{domain}\" is not valid");
        }

        foreach (string label in host.Length == 0 ? [] : host.Split('.'))
        {
            bool ok = label.Length > 0
                && char.IsAsciiLetterOrDigit(label[0])
                && char.IsAsciiLetterOrDigit(label[^1])
                && label.All(c => char.IsAsciiLetterOrDigit(c) || c == '-');
            if (!ok)
            {
                throw Invalid(reference, $"the registry host \"{domain}\" is not valid");
            }
        }
    }

    // path-component := alnum (separator alnum)*; alnum := [a-z0-9]+; separator := [_.] | '__' | '-'+
    private static void ValidatePathComponent(string reference, string component)
    {
        if (component.Length == 0)
        {
            throw Invalid(reference, "the image name has an empty path component");
        }

        if (component.Any(char.IsAsciiLetterUpper))
        {
            throw Invalid(reference, "repository names must be lowercase");
        }

        int i = 0;
        while (true)
        {
            int runStart = i;
            while (i < component.Length && IsLowerAlnum(component[i]))
            {
                i++;
            }

            if (i == runStart)
            {
                throw Invalid(reference, $"the image name component \"{component}\" must start and end with a lowercase letter or digit");
            }

            if (i == component.Length)
            {
                return;
            }

            int sepStart = i;
            char c = component[i];
            if (c == '.')
            {
                i++;
            }
            else if (c == '_')
            {
                i++;
                if (i < component.Length && component[i] == '_')
                {
                    i++;
                }
            }
            else if (c == '-')
            {
                while (i < component.Length && component[i] == '-')
                {
                    i++;
                }
            }

            if (i == sepStart)
            {
                throw Invalid(reference, $"the image name component \"{component}\" contains the character '{c}'");
            }
        }
    }

    // tag := [\w][\w.-]{0,127}
    private static void ValidateTag(string reference, string tag)
    {
        if (tag.Length == 0 || tag.Length > MaxTagLength)
        {
            throw Invalid(reference, $"a tag must be 1 to {MaxTagLength} characters long");
        }

        if (!IsWord(tag[0]) || !tag.All(c => IsWord(c) || c == '.' || c == '-'))
        {
            throw Invalid(reference, "a tag may contain only letters, digits, '_', '.' and '-', and may not start with '.' or '-'");
        }
    }

    // digest := algorithm ':' encoded; algorithm := [A-Za-z][A-Za-z0-9]* ([+._-][A-Za-z][A-Za-z0-9]*)*; encoded := [a-fA-F0-9]{32,}
    private static void ValidateDigest(string reference, string digest)
    {
        int colon = digest.IndexOf(':', StringComparison.Ordinal);
        if (colon <= 0)
        {
            throw Invalid(reference, "a digest must look like sha256:<64 hex digits>");
        }

        string algorithm = digest[..colon];
        string encoded = digest[(colon + 1)..];
        bool algorithmOk = true;
        bool expectLetter = true;
        foreach (char c in algorithm)
        {
            if (expectLetter)
            {
                algorithmOk &= char.IsAsciiLetter(c);
                expectLetter = false;
            }
            else if (c is '+' or '.' or '_' or '-')
            {
                expectLetter = true;
            }
            else
            {
                algorithmOk &= char.IsAsciiLetterOrDigit(c);
            }
        }

        algorithmOk &= !expectLetter;
        bool encodedOk = encoded.Length >= 32 && encoded.All(char.IsAsciiHexDigit);
        if (algorithm == "sha256")
        {
            encodedOk &= encoded.Length == 64 && encoded.All(c => char.IsAsciiDigit(c) || c is >= 'a' and <= 'f');
        }
        else if (algorithm == "sha512")
        {
            encodedOk &= encoded.Length == 128 && encoded.All(c => char.IsAsciiDigit(c) || c is >= 'a' and <= 'f');
        }

        if (!algorithmOk || !encodedOk)
        {
            throw Invalid(reference, "a digest must look like sha256:<64 lowercase hex digits>");
        }
    }

    private static bool IsLowerAlnum(char c) => c is (>= 'a' and <= 'z') or (>= '0' and <= '9');

    private static bool IsWord(char c) => char.IsAsciiLetterOrDigit(c) || c == '_';

    private static SourceException Invalid(string reference, string why)
    {
        // Long junk is cut so a 10 MB FROM line cannot flood the build log.
        string shown = reference.Length > 200 ? reference[..200] + "…" : reference;
        return new SourceException($"{InvalidBaseImage}: \"{shown}\": {why}. Use a reference such as quay.io/namespace/image:tag.");
    }
}
