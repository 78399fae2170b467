using System.Text;
using System.Text.RegularExpressions;

namespace QuayBuilder.BuildContext;

/// <summary>
/// One .dockerignore pattern, compiled the way moby/patternmatcher does: literal patterns
/// compare exactly, <c>dir/**</c> is a prefix test, <c>**/name</c> a suffix test, everything
/// else a regular expression in which <c>*</c> and <c>?</c> never cross a '/', and <c>**</c>
/// spans any number of directories. Expressions run with
/// <see cref="RegexOptions.NonBacktracking"/>, so matching is linear in the path whatever the pattern.
/// </summary>
internal sealed class IgnorePattern
{
    private readonly MatchKind _kind;
    private readonly Regex? _regex;

    private IgnorePattern(string text, bool exclusion, MatchKind kind, Regex? regex)
    {
        Text = text;
        IsException = exclusion;
        _kind = kind;
        _regex = regex;
    }

    private enum MatchKind
    {
        Exact,
        Prefix,
        Suffix,
        Regex,
    }

    /// <summary>The cleaned pattern without its leading '!'.</summary>
    public string Text { get; }

    /// <summary>A <c>!pattern</c>: paths it matches are sent after all.</summary>
    public bool IsException { get; }

    /// <summary>The cleaned pattern's components, for deciding whether a directory may be skipped.</summary>
    public string[] Components => Text.Split('/');

    /// <summary>Compiles one cleaned line; null for an error, with <paramref name="error"/> saying why.</summary>
    public static IgnorePattern? TryCreate(string line, out string? error)
    {
        error = null;
        string pattern = LexicalPath.Clean(line.Trim());
        bool exclusion = pattern.StartsWith('!');
        if (exclusion)
        {
            if (pattern.Length == 1)
            {
                error = "\"!\" alone is not a pattern";
                return null;
            }

            pattern = pattern[1..];
        }

        if (!GoGlob.IsValid(pattern, out error))
        {
            return null;
        }

        var regex = new StringBuilder("^");
        MatchKind kind = MatchKind.Exact;
        for (int i = 0; i < pattern.Length; i++)
        {
            char c = pattern[i];
            if (c == '*')
            {
                if (i + 1 < pattern.Length && pattern[i + 1] == '*')
                {
                    int start = i;
                    i++;
                    if (i + 1 < pattern.Length && pattern[i + 1] == '/')
                    {
                        i++;
                    }

                    if (i + 1 >= pattern.Length)
                    {
                        // "**" at the end matches everything below, as in .gitignore.
                        if (kind == MatchKind.Exact)
                        {
                            kind = MatchKind.Prefix;
                        }
                        else
                        {
                            regex.Append(".*");
                            kind = MatchKind.Regex;
                        }
                    }
                    else
                    {
                        regex.Append("(.*/)?");
                        kind = MatchKind.Regex;
                    }

                    if (start == 0)
                    {
                        kind = MatchKind.Suffix;
                    }
                }
                else
                {
                    regex.Append("[^/]*");
                    kind = MatchKind.Regex;
                }
            }
            else if (c == '?')
            {
                regex.Append("[^/]");
                kind = MatchKind.Regex;
            }
            else if (c == '\\')
            {
                if (i + 1 < pattern.Length)
                {
                    regex.Append(Regex.Escape(pattern[++i].ToString()));
                    kind = MatchKind.Regex;
                }
                else
                {
                    regex.Append(@"\\");
                }
            }
            else if (c == '[')
            {
                i = GoGlob.AppendClass(pattern, i, regex);
                kind = MatchKind.Regex;
            }
            else
            {
                regex.Append(Regex.Escape(c.ToString()));
            }
        }

        Regex? compiled = null;
        if (kind == MatchKind.Regex)
        {
            regex.Append('$');
            try
            {
                compiled = new Regex(regex.ToString(), RegexOptions.NonBacktracking | RegexOptions.CultureInvariant);
            }
            catch (ArgumentException e)
            {
                error = e.Message;
                return null;
            }
        }

        return new IgnorePattern(pattern, exclusion, kind, compiled);
    }

    public bool Matches(string path) => _kind switch
    {
        MatchKind.Exact => path == Text,
        MatchKind.Prefix => path.StartsWith(Text[..^2], StringComparison.Ordinal),
        MatchKind.Suffix => path.EndsWith(Text[2..], StringComparison.Ordinal)
            || (Text.Length > 2 && Text[2] == '/' && path == Text[3..]),
        _ => _regex!.IsMatch(path),
    };
}
