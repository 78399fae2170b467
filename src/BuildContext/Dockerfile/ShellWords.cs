using System.Text;

namespace QuayBuilder.BuildContext;

/// <summary>
/// The slice of BuildKit's shell lexer the worker needs for ARG and FROM: splitting arguments
/// into words (quotes kept), and expanding one word — quotes removed, the escape character
/// honoured, <c>$V</c>, <c>${V}</c>, <c>${V:-x}</c>, <c>${V-x}</c>, <c>${V:+x}</c>, <c>${V+x}</c>,
/// <c>${V:?msg}</c>, <c>${V#p}</c>, <c>${V##p}</c>, <c>${V%p}</c>, <c>${V%%p}</c>. Each character is
/// visited once; nesting of <c>${…}</c> is bounded so hostile input cannot exhaust the stack.
/// </summary>
internal static class ShellWords
{
    internal const int MaxNesting = 32;

    /// <summary>Splits on unquoted whitespace; quotes and escapes stay in the words.</summary>
    public static List<string> Split(string text, char escape)
    {
        var words = new List<string>();
        var word = new StringBuilder();
        char quote = '\0';
        bool inWord = false;
        for (int i = 0; i < text.Length; i++)
        {
            char c = text[i];
            if (quote == '\0' && char.IsWhiteSpace(c))
            {
                if (inWord)
                {
                    words.Add(word.ToString());
                    word.Clear();
                    inWord = false;
                }

                continue;
            }

            inWord = true;
            word.Append(c);
            if (c == escape && quote != '\'' && i + 1 < text.Length)
            {
                word.Append(text[++i]);
            }
            else if (quote == '\0' && c is '"' or '\'')
            {
                quote = c;
            }
            else if (c == quote)
            {
                quote = '\0';
            }
        }

        if (inWord)
        {
            words.Add(word.ToString());
        }

        return words;
    }

    /// <summary>Removes quotes and escapes without expanding variables (heredoc names).</summary>
    public static string Unquote(string word, char escape) => Expand(word, static _ => null, escape, expandVariables: false);

    /// <summary>Expands one word. <paramref name="lookup"/> returns null for an unset variable.</summary>
    public static string Expand(string word, Func<string, string?> lookup, char escape) => Expand(word, lookup, escape, expandVariables: true);

    private static string Expand(string word, Func<string, string?> lookup, char escape, bool expandVariables)
    {
        var lexer = new Lexer(word, lookup, escape, expandVariables);
        string result = lexer.Process(stopAtBrace: false, depth: 0);
        if (lexer.Position < word.Length)
        {
            throw new FormatException("unexpected '}'");
        }

        return result;
    }

    private sealed class Lexer(string text, Func<string, string?> lookup, char escape, bool expandVariables)
    {
        public int Position { get; private set; }

        public string Process(bool stopAtBrace, int depth)
        {
            if (depth > MaxNesting)
            {
                throw new FormatException($"variable substitutions are nested more than {MaxNesting} deep");
            }

            var result = new StringBuilder();
            while (Position < text.Length)
            {
                char c = text[Position];
                if (stopAtBrace && c == '}')
                {
                    return result.ToString();
                }

                Position++;
                if (c == escape)
                {
                    if (Position < text.Length)
                    {
                        result.Append(text[Position++]);
                    }
                    else
                    {
                        result.Append(c);
                    }
                }
                else if (c == '\'')
                {
                    int end = text.IndexOf('\'', Position);
                    if (end < 0)
                    {
                        throw new FormatException("unmatched single quote");
                    }

                    result.Append(text, Position, end - Position);
                    Position = end + 1;
                }
                else if (c == '"')
                {
                    ProcessDoubleQuoted(result, depth);
                }
                else if (c == '$' && expandVariables)
                {
                    result.Append(ProcessDollar(depth));
                }
                else
                {
                    result.Append(c);
                }
            }

            if (stopAtBrace)
            {
                throw new FormatException("missing '}'");
            }

            return result.ToString();
        }

        private void ProcessDoubleQuoted(StringBuilder result, int depth)
        {
            while (Position < text.Length)
            {
                char c = text[Position++];
                if (c == '"')
                {
                    return;
                }

                if (c == escape && Position < text.Length)
                {
                    char next = text[Position];
                    if (next == '"' || next == '$' || next == escape)
                    {
                        result.Append(next);
                        Position++;
                        continue;
                    }

                    result.Append(c);
                }
                else if (c == '$' && expandVariables)
                {
                    result.Append(ProcessDollar(depth));
                }
                else
                {
                    result.Append(c);
                }
            }

            throw new FormatException("unmatched double quote");
        }

        private string ProcessDollar(int depth)
        {
            if (Position >= text.Length)
            {
                return "$";
            }

            if (text[Position] != '{')
            {
                string simple = ReadName();
                return simple.Length == 0 ? "$" : lookup(simple) ?? string.Empty;
            }

            Position++;
            string name = ReadName();
            if (name.Length == 0)
            {
                throw new FormatException("a ${} substitution has no variable name");
            }

            if (Position >= text.Length)
            {
                throw new FormatException("missing '}'");
            }

            string? value = lookup(name);
            char op = text[Position++];
            if (op == '}')
            {
                return value ?? string.Empty;
            }

            bool colon = op == ':';
            if (colon)
            {
                if (Position >= text.Length)
                {
                    throw new FormatException("missing '}'");
                }

                op = text[Position++];
            }

            string modifier;
            if (!colon && (op is '#' or '%') && Position < text.Length && text[Position] == op)
            {
                Position++;
                modifier = Word(depth);
                return Trim(value ?? string.Empty, modifier, prefix: op == '#', longest: true);
            }

            modifier = Word(depth);
            bool isSet = value is not null && (!colon || value.Length > 0);
            return (colon, op) switch
            {
                (_, '-') => isSet ? value! : modifier,
                (_, '+') => isSet ? modifier : string.Empty,
                (_, '?') => isSet ? value! : throw new FormatException(modifier.Length > 0 ? modifier : $"{name} is not set"),
                (false, '#') => Trim(value ?? string.Empty, modifier, prefix: true, longest: false),
                (false, '%') => Trim(value ?? string.Empty, modifier, prefix: false, longest: false),

                // Modifiers the worker does not evaluate (e.g. ${V/a/b}) keep the value: the
                // runtime sees the real text, this only affects what the worker reports.
                _ => value ?? string.Empty,
            };
        }

        private string Word(int depth)
        {
            string word = Process(stopAtBrace: true, depth + 1);
            Position++; // the closing brace
            return word;
        }

        private string ReadName()
        {
            int start = Position;
            while (Position < text.Length && (char.IsAsciiLetterOrDigit(text[Position]) || text[Position] == '_'))
            {
                Position++;
            }

            return text[start..Position];
        }
    }

    // ${V#p} / ${V##p} / ${V%p} / ${V%%p}: remove the shortest or longest prefix/suffix matching a
    // shell pattern. Bounded: values come from ARG defaults, cut to a sane length first.
    private static string Trim(string value, string pattern, bool prefix, bool longest)
    {
        const int maxWork = 256;
        if (value.Length > maxWork || pattern.Length > maxWork)
        {
            return value;
        }

        if (prefix)
        {
            for (int n = longest ? value.Length : 0; longest ? n >= 0 : n <= value.Length; n += longest ? -1 : 1)
            {
                if (ShellPattern.IsMatch(pattern, value.AsSpan(0, n)))
                {
                    return value[n..];
                }
            }
        }
        else
        {
            for (int n = longest ? 0 : value.Length; longest ? n <= value.Length : n >= 0; n += longest ? 1 : -1)
            {
                if (ShellPattern.IsMatch(pattern, value.AsSpan(n)))
                {
                    return value[..n];
                }
            }
        }

        return value;
    }
}
