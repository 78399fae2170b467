using System.Runtime.InteropServices;

namespace QuayBuilder.BuildContext;

/// <summary>
/// Reads a Dockerfile for what the worker must know before the build: its stages and their
/// base images, with global <c>ARG</c> defaults substituted into <c>FROM</c>. It checks only what
/// Quay reports to the user (the error texts below, which the manager and users know); any
/// other syntax it does not understand is left for the runtime to judge, so a valid Dockerfile
/// never fails here.
/// </summary>
public static class DockerfileParser
{
    public const string MissingDockerfile = "Missing Dockerfile";
    public const string EmptyDockerfile = "Empty Dockerfile";
    public const string CouldNotParseDockerfile = "Could not parse Dockerfile";
    public const string FirstLineNotFromOrArg = "First line in Dockerfile isn't FROM or ARG";
    public const string InvalidBaseImage = "FROM line specifies an invalid base image";

    /// <summary>
    /// Parses <paramref name="text"/>. Throws <see cref="SourceException"/> whose message starts
    /// with one of the constants above, followed by the line and the reason.
    /// </summary>
    public static Dockerfile Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var reader = new DockerfileLineReader(text);
        char escape = '\\';
        var globals = new Dictionary<string, string?>(StringComparer.Ordinal);
        var stages = new List<BuildStage>();
        var instructions = new List<List<string>>();
        var stageNames = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        bool any = false;
        foreach (DockerfileInstruction instruction in reader.ReadInstructions())
        {
            escape = reader.Escape;
            any = true;
            switch (instruction.Keyword)
            {
                case "arg" when stages.Count == 0:
                    ReadGlobalArgs(instruction, globals, escape);
                    break;
                case "from":
                    stages.Add(ReadFrom(instruction, globals, stageNames, escape));
                    instructions.Add([]);
                    break;
                default:
                    if (stages.Count == 0)
                    {
                        string shown = instruction.Keyword.Length > 40 ? instruction.Keyword[..40] + "…" : instruction.Keyword;
                        throw new SourceException(
                            $"{FirstLineNotFromOrArg}: line {instruction.Line} starts with \"{shown.ToUpperInvariant()}\". " +
                            "Only ARG may come before the first FROM.");
                    }

                    break;
            }

            if (stages.Count > 0)
            {
                instructions[^1].Add(instruction.Keyword.ToUpperInvariant() + (instruction.Arguments.Length > 0 ? " " + instruction.Arguments : string.Empty));
            }
        }

        if (!any)
        {
            throw new SourceException($"{EmptyDockerfile}: it has no instructions, only blank lines or comments. Start it with FROM <image>.");
        }

        if (stages.Count == 0)
        {
            throw new SourceException($"{CouldNotParseDockerfile}: it has ARG lines but no FROM. Add FROM <image>.");
        }

        return new Dockerfile([.. stages.Select((stage, i) => stage with { Instructions = instructions[i] })]) { Escape = escape };
    }

    /// <summary>
    /// A reference is at most 255 (name) + 128 (tag) + a digest long; even with ${…} around it,
    /// a FROM word beyond this is junk and is refused before any substitution work.
    /// </summary>
    private const int MaxFromWordLength = 64 * 1024;

    /// <summary>Larger Dockerfiles are refused unread: no real one comes close, and the text is held in memory.</summary>
    public const long MaxDockerfileBytes = 32L * 1024 * 1024;

    /// <summary>
    /// Reads and parses the Dockerfile at <paramref name="path"/> (e.g. <see cref="ResolvedContext.DockerfilePath"/>),
    /// refusing one larger than <see cref="MaxDockerfileBytes"/>.
    /// </summary>
    public static async Task<Dockerfile> ParseFileAsync(string path, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1, FileOptions.Asynchronous);
        await using (stream.ConfigureAwait(false))
        {
            if (stream.Length > MaxDockerfileBytes)
            {
                throw new SourceException(
                    $"{CouldNotParseDockerfile}: it is {stream.Length / 1024 / 1024} MiB, more than the {MaxDockerfileBytes / 1024 / 1024} MiB a Dockerfile may have.");
            }

            using var reader = new StreamReader(stream, System.Text.Encoding.UTF8, detectEncodingFromByteOrderMarks: true);
            string text = await reader.ReadToEndAsync(cancellationToken).ConfigureAwait(false);
            return Parse(text);
        }
    }

    internal static SourceException CouldNotParse(int line, string why) =>
        new($"{CouldNotParseDockerfile}: line {line}: {why}.");

    private static void ReadGlobalArgs(DockerfileInstruction instruction, Dictionary<string, string?> globals, char escape)
    {
        foreach (string word in ShellWords.Split(instruction.Arguments, escape))
        {
            int equals = word.IndexOf('=', StringComparison.Ordinal);
            string name = equals < 0 ? word : word[..equals];
            if (name.Length == 0)
            {
                throw CouldNotParse(instruction.Line, "ARG needs a name, as in ARG NAME=value");
            }

            globals[name] = equals < 0 ? null : ExpandOrThrow(word[(equals + 1)..], globals, escape, instruction.Line);
        }
    }

    private static BuildStage ReadFrom(
        DockerfileInstruction instruction, Dictionary<string, string?> globals, HashSet<string> stageNames, char escape)
    {
        List<string> words = ShellWords.Split(instruction.Arguments, escape);
        int first = 0;
        while (first < words.Count && words[first].StartsWith("--", StringComparison.Ordinal))
        {
            first++; // --platform=… and future flags do not change which image is the base
        }

        int count = words.Count - first;
        if (count == 0)
        {
            throw new SourceException($"{InvalidBaseImage}: line {instruction.Line}: FROM names no image. Write FROM <image>[:tag] [AS name].");
        }

        string? name = null;
        if (count == 3 && words[first + 1].Equals("as", StringComparison.OrdinalIgnoreCase))
        {
            name = words[first + 2];
        }
        else if (count != 1)
        {
            throw CouldNotParse(instruction.Line, "FROM takes an image and optionally AS <name>, as in FROM <image>[:tag] [AS name]");
        }

        if (words[first].Length > MaxFromWordLength)
        {
            throw new SourceException(
                $"{InvalidBaseImage}: line {instruction.Line}: the image in FROM is {words[first].Length} characters long. Write FROM <image>[:tag] [AS name].");
        }

        string from = ExpandOrThrow(words[first], globals, escape, instruction.Line);
        ImageReference? image = null;
        if (!stageNames.Contains(from))
        {
            if (from.Length == 0)
            {
                throw new SourceException(
                    $"{InvalidBaseImage}: line {instruction.Line}: \"{Shorten(words[first])}\" is empty after ARG substitution. " +
                    "Give the ARG a default value, as in ARG BASE=busybox.");
            }

            image = ImageReference.Parse(from);
        }

        if (name is not null)
        {
            stageNames.Add(name);
        }

        return new BuildStage(name, image, from);
    }

    private static string ExpandOrThrow(string word, Dictionary<string, string?> globals, char escape, int line)
    {
        try
        {
            return ShellWords.Expand(word, n => globals.TryGetValue(n, out string? v) ? v : BuiltinArg(n), escape);
        }
        catch (FormatException e)
        {
            throw CouldNotParse(line, $"in \"{Shorten(word)}\": {e.Message}");
        }
    }

    private static string Shorten(string s) => s.Length > 100 ? s[..100] + "…" : s;

    // BuildKit defines the platform ARGs in the global scope without a declaration. The worker
    // builds for its own platform, so these are the host's values.
    private static string? BuiltinArg(string name)
    {
        string arch = RuntimeInformation.OSArchitecture switch
        {
            Architecture.X64 => "amd64",
            Architecture.Arm64 => "arm64",
            Architecture.Arm => "arm",
            Architecture.S390x => "s390x",
            Architecture.Ppc64le => "ppc64le",
            Architecture.X86 => "386",
            _ => "amd64",
        };
        string variant = arch switch { "arm64" => "v8", "arm" => "v7", _ => string.Empty };
        string platform = "linux/" + arch + (variant.Length > 0 && arch == "arm" ? "/" + variant : string.Empty);
        return name switch
        {
            "BUILDPLATFORM" or "TARGETPLATFORM" => platform,
            "BUILDOS" or "TARGETOS" => "linux",
            "BUILDARCH" or "TARGETARCH" => arch,
            "BUILDVARIANT" or "TARGETVARIANT" => variant,
            _ => null,
        };
    }
}
