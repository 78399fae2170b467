using System.Text;
using System.Text.Json;

namespace QuayBuilder.BuildContext;

/// <summary>
/// Turns Dockerfile text into logical instructions the way BuildKit's parser does: parser
/// directives only before anything else, comment lines dropped (also inside a continuation),
/// lines ending in the escape character joined with the next, and heredoc bodies of
/// RUN/COPY/ADD skipped. Every step is a single forward pass over the text, so work is linear
/// in its size whatever it contains.
/// </summary>
internal sealed class DockerfileLineReader
{
    private readonly string _text;
    private int _position;
    private int _lineNumber;

    public DockerfileLineReader(string text)
    {
        _text = text.StartsWith('\uFEFF') ? text[1..] : text;
    }

    /// <summary>The active escape character: <c>\</c> unless a <c># escape=`</c> directive says otherwise.</summary>
    public char Escape { get; private set; } = '\\';

    public IEnumerable<DockerfileInstruction> ReadInstructions()
    {
        ReadDirectives();
        var logical = new StringBuilder();
        int startLine = 0;
        while (TryReadPhysicalLine(out string line))
        {
            bool continuing = logical.Length > 0;
            string trimmed = line.Trim();
            if (trimmed.Length == 0 || trimmed[0] == '#')
            {
                // Blank and comment lines vanish, even between continued lines (BuildKit warns, still builds).
                continue;
            }

            if (!continuing)
            {
                startLine = _lineNumber;
            }

            string body = line.TrimEnd();
            if (body.Length > 0 && body[^1] == Escape)
            {
                logical.Append(body, 0, body.Length - 1);
                if (logical.Length == 0)
                {
                    // A lone escape character: keep the instruction open without content.
                    logical.Append(' ');
                }

                continue;
            }

            logical.Append(line);
            DockerfileInstruction? instruction = Complete(logical, startLine);
            logical.Clear();
            if (instruction is { } i)
            {
                yield return i;
            }
        }

        if (logical.Length > 0 && Complete(logical, startLine) is { } last)
        {
            // A continuation on the last line ends the instruction, as in BuildKit.
            yield return last;
        }
    }

    private DockerfileInstruction? Complete(StringBuilder logical, int startLine)
    {
        string text = logical.ToString().Trim();
        if (text.Length == 0)
        {
            return null;
        }

        int space = 0;
        while (space < text.Length && !char.IsWhiteSpace(text[space]))
        {
            space++;
        }

        string keyword = text[..space].ToLowerInvariant();
        string arguments = text[space..].Trim();
        if (keyword is "run" or "copy" or "add")
        {
            SkipHeredocs(arguments, startLine);
        }

        return new DockerfileInstruction(startLine, keyword, arguments);
    }

    // Parser directives: "# key=value" lines at the very top. The first line that is not one
    // (a blank line, another comment, an instruction) ends them; that line is read again as usual.
    private void ReadDirectives()
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        while (true)
        {
            if (_position >= _text.Length || _text[_position] != '#')
            {
                return; // not a comment, so not a directive: avoid copying a possibly huge line
            }

            int savedPosition = _position;
            int savedLine = _lineNumber;
            if (!TryReadPhysicalLine(out string line) || !TryParseDirective(line, out string key, out string value))
            {
                _position = savedPosition;
                _lineNumber = savedLine;
                return;
            }

            if (key is not ("escape" or "syntax" or "check"))
            {
                // BuildKit treats an unknown directive as a comment and stops looking for more.
                return;
            }

            if (!seen.Add(key))
            {
                throw DockerfileParser.CouldNotParse(_lineNumber, $"the \"{key}\" parser directive appears more than once");
            }

            if (key == "escape")
            {
                if (value is not ("\\" or "`"))
                {
                    throw DockerfileParser.CouldNotParse(_lineNumber, "the escape directive must be \\ or `");
                }

                Escape = value[0];
            }
        }
    }

    // #\s*([a-zA-Z][a-zA-Z0-9]*)\s*=\s*(.+?)\s*$ without a regular expression.
    private static bool TryParseDirective(string line, out string key, out string value)
    {
        key = value = string.Empty;
        int i = 0;
        if (line.Length == 0 || line[0] != '#')
        {
            return false;
        }

        i++;
        while (i < line.Length && char.IsWhiteSpace(line[i]))
        {
            i++;
        }

        int keyStart = i;
        if (i >= line.Length || !char.IsAsciiLetter(line[i]))
        {
            return false;
        }

        while (i < line.Length && char.IsAsciiLetterOrDigit(line[i]))
        {
            i++;
        }

        key = line[keyStart..i].ToLowerInvariant();
        while (i < line.Length && char.IsWhiteSpace(line[i]))
        {
            i++;
        }

        if (i >= line.Length || line[i] != '=')
        {
            return false;
        }

        value = line[(i + 1)..].Trim();
        return value.Length > 0;
    }

    // Heredocs start with words like <<EOF, <<-EOF, <<"EOF", 2<<EOF in a shell-form RUN/COPY/ADD;
    // their bodies follow the instruction line, each ending at a line equal to its name
    // (with leading tabs removed for <<-).
    private void SkipHeredocs(string arguments, int startLine)
    {
        if (IsJsonStringArray(arguments))
        {
            return;
        }

        foreach ((string name, bool stripTabs) in HeredocNames(arguments))
        {
            while (true)
            {
                if (!TryReadPhysicalLine(out string line))
                {
                    throw DockerfileParser.CouldNotParse(startLine, $"the heredoc <<{name} is never closed by a line \"{name}\"");
                }

                string candidate = stripTabs ? line.TrimStart('\t') : line;
                if (candidate == name)
                {
                    break;
                }
            }
        }
    }

    private IEnumerable<(string Name, bool StripTabs)> HeredocNames(string arguments)
    {
        if (!arguments.Contains("<<", StringComparison.Ordinal))
        {
            yield break;
        }

        foreach (string word in ShellWords.Split(arguments, Escape))
        {
            int i = 0;
            while (i < word.Length && char.IsAsciiDigit(word[i]))
            {
                i++;
            }

            if (i + 2 > word.Length || word[i] != '<' || word[i + 1] != '<')
            {
                continue;
            }

            i += 2;
            bool stripTabs = i < word.Length && word[i] == '-';
            if (stripTabs)
            {
                i++;
            }

            string rest = word[i..];
            if (rest.Length == 0 || rest.Contains('<', StringComparison.Ordinal))
            {
                continue;
            }

            string name;
            try
            {
                name = ShellWords.Unquote(rest, Escape);
            }
            catch (FormatException)
            {
                // An unbalanced quote makes it no heredoc; the runtime will judge the line.
                continue;
            }

            if (name.Length > 0)
            {
                yield return (name, stripTabs);
            }
        }
    }

    private static bool IsJsonStringArray(string arguments)
    {
        if (!arguments.StartsWith('[') || !arguments.EndsWith(']'))
        {
            return false;
        }

        try
        {
            var reader = new Utf8JsonReader(Encoding.UTF8.GetBytes(arguments), new JsonReaderOptions { MaxDepth = 2 });
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartArray)
            {
                return false;
            }

            while (reader.Read())
            {
                if (reader.TokenType == JsonTokenType.EndArray)
                {
                    return !reader.Read();
                }

                if (reader.TokenType != JsonTokenType.String)
                {
                    return false;
                }
            }

            return false;
        }
        catch (JsonException)
        {
            return false;
        }
    }

    private bool TryReadPhysicalLine(out string line)
    {
        if (_position >= _text.Length)
        {
            line = string.Empty;
            return false;
        }

        int end = _text.IndexOf('\n', _position);
        int next = end < 0 ? _text.Length : end + 1;
        if (end < 0)
        {
            end = _text.Length;
        }

        if (end > _position && _text[end - 1] == '\r')
        {
            end--;
        }

        line = _text[_position..end];
        _position = next;
        _lineNumber++;
        return true;
    }
}
