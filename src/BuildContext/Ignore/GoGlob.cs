using System.Text;
using System.Text.RegularExpressions;

namespace QuayBuilder.BuildContext;

/// <summary>
/// Go's <c>filepath.Match</c> pattern syntax: Docker rejects a .dockerignore whose pattern is
/// malformed (an unclosed or empty class, a trailing escape), and character classes
/// (<c>[abc]</c>, <c>[^a-z]</c>, <c>[\]]</c>) are turned into regular expression classes here.
/// </summary>
internal static class GoGlob
{
    public static bool IsValid(string pattern, out string? error)
    {
        error = null;
        for (int i = 0; i < pattern.Length; i++)
        {
            char c = pattern[i];
            if (c == '\\')
            {
                if (++i >= pattern.Length)
                {
                    error = "a pattern ends with an unescaped \\";
                    return false;
                }
            }
            else if (c == '[')
            {
                if (!TryParseClass(pattern, i, out i, out _, out _))
                {
                    error = "a character class [...] is empty or not closed";
                    return false;
                }
            }
        }

        return true;
    }

    /// <summary>Appends the class starting at <paramref name="start"/> ('[') and returns the index of its ']'.</summary>
    public static int AppendClass(string pattern, int start, StringBuilder regex)
    {
        if (!TryParseClass(pattern, start, out int end, out bool negated, out List<(char Lo, char Hi)> ranges))
        {
            throw new InvalidOperationException("pattern validated before compiling");
        }

        // Go accepts a reversed range (z-a) and it matches nothing; a regular expression would reject it.
        var usable = ranges.Where(r => r.Lo <= r.Hi).ToList();
        if (usable.Count == 0)
        {
            regex.Append(negated ? @"[\s\S]" : "(?!)");
            return end;
        }

        regex.Append('[');
        if (negated)
        {
            regex.Append('^');
        }

        foreach ((char lo, char hi) in usable)
        {
            regex.Append(EscapeInClass(lo));
            if (hi != lo)
            {
                regex.Append('-').Append(EscapeInClass(hi));
            }
        }

        regex.Append(']');
        return end;
    }

    private static string EscapeInClass(char c) => c is '\\' or ']' or '[' or '^' or '-' ? "\\" + c : Regex.Escape(c.ToString());

    private static bool TryParseClass(string pattern, int start, out int end, out bool negated, out List<(char Lo, char Hi)> ranges)
    {
        ranges = [];
        end = start;
        int i = start + 1;
        negated = i < pattern.Length && pattern[i] == '^';
        if (negated)
        {
            i++;
        }

        while (true)
        {
            if (i < pattern.Length && pattern[i] == ']' && ranges.Count > 0)
            {
                end = i;
                return true;
            }

            if (!TryEscapedChar(pattern, ref i, out char lo))
            {
                return false;
            }

            char hi = lo;
            if (i < pattern.Length && pattern[i] == '-')
            {
                i++;
                if (!TryEscapedChar(pattern, ref i, out hi))
                {
                    return false;
                }
            }

            ranges.Add((lo, hi));
        }
    }

    private static bool TryEscapedChar(string pattern, ref int i, out char c)
    {
        c = '\0';
        if (i >= pattern.Length || pattern[i] is '-' or ']')
        {
            return false;
        }

        if (pattern[i] == '\\')
        {
            i++;
            if (i >= pattern.Length)
            {
                return false;
            }
        }

        c = pattern[i++];

        // Go also rejects a class the pattern ends inside.
        return i < pattern.Length;
    }
}
