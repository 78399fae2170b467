using QuayBuilder.Configuration;

namespace QuayBuilder.Local;

/// <summary>
/// Parses `quay-builder local SOURCE [options]`. Options take their value as the next argument
/// or after '=' (<c>--tag=v1</c>). Every mistake is a <see cref="ConfigurationException"/> whose
/// one line names the option and what a valid use looks like.
/// </summary>
internal static class LocalArguments
{
    private static readonly string[] Isolations = ["chroot", "oci", "rootless"];

    public static LocalOptions Parse(IReadOnlyList<string> args)
    {
        ArgumentNullException.ThrowIfNull(args);
        string? source = null;
        var tags = new List<string>();
        var options = new LocalOptions { Source = string.Empty };
        for (var i = 0; i < args.Count; i++)
        {
            var arg = args[i];
            if (!arg.StartsWith("--", StringComparison.Ordinal) || arg == "--")
            {
                if (arg == "--" && i + 1 < args.Count)
                {
                    arg = args[++i];
                }

                if (source is not null)
                {
                    throw new ConfigurationException($"local: more than one SOURCE ('{source}' and '{arg}'): give one directory, archive or URL.");
                }

                source = arg;
                continue;
            }

            var equals = arg.IndexOf('=', StringComparison.Ordinal);
            var name = equals < 0 ? arg : arg[..equals];
            string? inline = equals < 0 ? null : arg[(equals + 1)..];

            string Value()
            {
                if (inline is not null)
                {
                    return inline;
                }

                if (i + 1 >= args.Count)
                {
                    throw new ConfigurationException($"local: {name} needs a value; see `quay-builder local --help`.");
                }

                return args[++i];
            }

            void NoValue()
            {
                if (inline is not null)
                {
                    throw new ConfigurationException($"local: {name} takes no value; write just {name}.");
                }
            }

            switch (name)
            {
                case "--sha": options = options with { Sha = Value() }; break;
                case "--ssh-key": options = options with { SshKeyFile = Value() }; break;
                case "--git": NoValue(); options = options with { ForceGit = true }; break;
                case "--context": options = options with { Context = Value() }; break;
                case "--dockerfile": options = options with { Dockerfile = Value() }; break;
                case "--tag": tags.Add(ValidTag(Value())); break;
                case "--registry": options = options with { Registry = ValidRegistry(Value()) }; break;
                case "--repository": options = options with { Repository = ValidRepository(Value()) }; break;
                case "--push": NoValue(); options = options with { Push = true }; break;
                case "--username": options = options with { Username = NonEmpty(name, Value()) }; break;
                case "--password-file": options = options with { PasswordFile = NonEmpty(name, Value()) }; break;
                case "--pull-token-file": options = options with { PullTokenFile = NonEmpty(name, Value()) }; break;
                case "--cached-tag": options = options with { CachedTag = ValidTag(Value()) }; break;
                case "--isolation": options = options with { Isolation = ValidIsolation(Value()) }; break;
                case "--keep": NoValue(); options = options with { Keep = true }; break;
                case "--plain": NoValue(); options = options with { Plain = true }; break;
                case "--json": NoValue(); options = options with { Json = true }; break;
                case "--verbose": NoValue(); options = options with { Verbose = true }; break;
                case "--no-reproducible": NoValue(); options = options with { NoReproducible = true }; break;
                case "--no-provenance": NoValue(); options = options with { NoProvenance = true }; break;
                case "--no-layer-cache": NoValue(); options = options with { NoLayerCache = true }; break;
                case "--password" or "--token" or "--pull-token":
                    // Deliberately unsupported: argv is readable by every user on the machine.
                    throw new ConfigurationException(
                        $"local: {name} is not accepted because a secret on the command line is visible to every user of this machine; put it in a file and use {(name == "--pull-token" ? "--pull-token-file" : "--password-file")} FILE (or leave it out to be prompted on a terminal).");
                default:
                    throw new ConfigurationException($"local: unknown option '{name}'; see `quay-builder local --help`.");
            }
        }

        if (string.IsNullOrWhiteSpace(source))
        {
            throw new ConfigurationException("local: SOURCE is missing: give a directory, an archive file, an http(s) archive URL or a Git URL, as in `quay-builder local ./myapp`.");
        }

        if (options.Json && options.Plain)
        {
            throw new ConfigurationException("local: --json and --plain exclude each other: --json already prints no colours or progress bars.");
        }

        if (options.Sha is not null && !IsHex(options.Sha))
        {
            throw new ConfigurationException($"local: --sha '{options.Sha}' is not a commit id: give the full 40-character hexadecimal id (`git rev-parse HEAD` prints it).");
        }

        return options with { Source = source, Tags = tags.Count == 0 ? ["latest"] : tags.Distinct(StringComparer.Ordinal).ToList() };
    }

    private static string NonEmpty(string name, string value) =>
        string.IsNullOrWhiteSpace(value) ? throw new ConfigurationException($"local: {name} needs a non-empty value.") : value;

    // Docker's tag grammar: [A-Za-z0-9_][A-Za-z0-9_.-]{0,127}.
    private static string ValidTag(string tag)
    {
        if (tag.Length is 0 or > 128 || !(char.IsAsciiLetterOrDigit(tag[0]) || tag[0] == '_') ||
            !tag.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '.' or '-'))
        {
            throw new ConfigurationException($"local: '{tag}' is not a valid tag: use letters, digits, '_', '.' and '-' (at most 128, not starting with '.' or '-'), as in --tag v1.2.");
        }

        return tag;
    }

    private static string ValidRegistry(string registry)
    {
        if (registry.Length == 0 || registry.Contains('/', StringComparison.Ordinal) || registry.Contains("://", StringComparison.Ordinal) ||
            !registry.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '-' or ':' or '[' or ']'))
        {
            throw new ConfigurationException($"local: --registry '{registry}' is not a registry host: give host[:port] only, as in --registry quay.io or --registry 127.0.0.1:5000.");
        }

        return registry;
    }

    private static string ValidRepository(string repository)
    {
        var parts = repository.Split('/');
        if (parts.Length < 2 || parts.Any(p => p.Length == 0 || !p.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c is '.' or '_' or '-')))
        {
            throw new ConfigurationException($"local: --repository '{repository}' is not namespace/name: use lowercase letters, digits, '.', '_' and '-', as in --repository myorg/myapp.");
        }

        return repository;
    }

    private static string ValidIsolation(string isolation) =>
        Isolations.Contains(isolation, StringComparer.Ordinal)
            ? isolation
            : throw new ConfigurationException($"local: --isolation '{isolation}' is not supported: use chroot, oci or rootless.");

    private static bool IsHex(string value) =>
        value.Length is 40 or 64 && value.All(char.IsAsciiHexDigit);
}
