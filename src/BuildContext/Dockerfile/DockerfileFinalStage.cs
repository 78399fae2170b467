namespace QuayBuilder.BuildContext;

/// <summary>
/// What the Dockerfile itself writes into the final image's configuration: the label keys its
/// <c>LABEL</c> instructions set, and the instructions only the Docker image format can keep
/// (<c>HEALTHCHECK</c>, <c>SHELL</c>, <c>ONBUILD</c>; the OCI format drops them). Only the last
/// stage counts, together with the earlier stages it starts from (<c>FROM builder</c>): a label
/// set in a stage the final image does not descend from never reaches it.
/// </summary>
/// <param name="LabelKeys">Keys set by a LABEL, unquoted; a key with a <c>$</c> variable in it is
/// left out, as its name is only known to the builder.</param>
/// <param name="DockerOnlyInstructions">Upper-case keywords, each once, in order of appearance.</param>
public sealed record DockerfileFinalStage(IReadOnlySet<string> LabelKeys, IReadOnlyList<string> DockerOnlyInstructions)
{
    private static readonly string[] DockerOnly = ["HEALTHCHECK", "SHELL", "ONBUILD"];

    /// <summary>
    /// Reads the stages <see cref="DockerfileParser.Parse"/> gave: their instructions, with the
    /// Dockerfile's escape character for quoting in LABEL.
    /// </summary>
    public static DockerfileFinalStage Read(Dockerfile dockerfile)
    {
        ArgumentNullException.ThrowIfNull(dockerfile);
        var stages = dockerfile.Stages;
        var keys = new HashSet<string>(StringComparer.Ordinal);
        var keywords = new List<string>();
        foreach (var index in FinalChain(stages))
        {
            var stageKeywords = new List<string>();
            foreach (var instruction in stages[index].Instructions)
            {
                // "KEYWORD arguments" (BuildStage.Instructions): a keyword never holds a space.
                var space = instruction.IndexOf(' ', StringComparison.Ordinal);
                var keyword = space < 0 ? instruction : instruction[..space];
                var arguments = space < 0 ? string.Empty : instruction[(space + 1)..];
                if (keyword == "LABEL")
                {
                    keys.UnionWith(LabelKeysOf(arguments, dockerfile.Escape));
                }
                else if (DockerOnly.Contains(keyword))
                {
                    stageKeywords.Add(keyword);
                }
            }

            keywords.InsertRange(0, stageKeywords);
        }

        return new DockerfileFinalStage(keys, keywords.Distinct(StringComparer.Ordinal).ToList());
    }

    /// <summary>The last stage, then the stage it starts from, and so on back to an external image.</summary>
    private static IEnumerable<int> FinalChain(IReadOnlyList<BuildStage> stages)
    {
        var index = stages.Count - 1;
        while (index >= 0)
        {
            yield return index;
            var stage = stages[index];
            if (stage.Base is not null)
            {
                yield break;
            }

            var from = stage.From;
            var parent = -1;
            for (var j = index - 1; j >= 0; j--)
            {
                if (string.Equals(stages[j].Name, from, StringComparison.OrdinalIgnoreCase))
                {
                    parent = j;
                    break;
                }
            }

            index = parent;
        }
    }

    /// <summary>
    /// <c>LABEL k=v k2="v 2"</c>, or the legacy <c>LABEL key the value</c> (one pair, no '=' in
    /// its first word). Keys may be quoted.
    /// </summary>
    internal static IEnumerable<string> LabelKeysOf(string arguments, char escape)
    {
        var words = ShellWords.Split(arguments, escape);
        if (words.Count == 0)
        {
            yield break;
        }

        if (UnquotedEquals(words[0], escape) < 0)
        {
            if (KeyOrNull(words[0], escape) is { } legacy)
            {
                yield return legacy;
            }

            yield break;
        }

        foreach (var word in words)
        {
            var equals = UnquotedEquals(word, escape);
            if (equals > 0 && KeyOrNull(word[..equals], escape) is { } key)
            {
                yield return key;
            }
        }
    }

    private static string? KeyOrNull(string rawKey, char escape)
    {
        if (rawKey.Contains('$', StringComparison.Ordinal))
        {
            return null;
        }

        try
        {
            var key = ShellWords.Unquote(rawKey, escape);
            return key.Length == 0 ? null : key;
        }
        catch (FormatException)
        {
            // The builder will refuse this line itself; it sets no key we could know.
            return null;
        }
    }

    private static int UnquotedEquals(string word, char escape)
    {
        var quote = '\0';
        for (var i = 0; i < word.Length; i++)
        {
            var c = word[i];
            if (c == escape && quote != '\'')
            {
                i++;
            }
            else if (quote != '\0')
            {
                if (c == quote)
                {
                    quote = '\0';
                }
            }
            else if (c is '"' or '\'')
            {
                quote = c;
            }
            else if (c == '=')
            {
                return i;
            }
        }

        return -1;
    }
}
