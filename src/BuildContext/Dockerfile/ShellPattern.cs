namespace QuayBuilder.BuildContext;

/// <summary>
/// Shell glob matching with <c>*</c> (any run), <c>?</c> (one character) and literals, used by
/// <c>${V#pattern}</c>-style substitutions. Greedy with a single backtrack point, so it runs in
/// O(pattern × text) at worst, never exponentially.
/// </summary>
internal static class ShellPattern
{
    public static bool IsMatch(string pattern, ReadOnlySpan<char> text)
    {
        int p = 0;
        int t = 0;
        int starP = -1;
        int starT = 0;
        while (t < text.Length)
        {
            if (p < pattern.Length && (pattern[p] == '?' || pattern[p] == text[t]) && pattern[p] != '*')
            {
                p++;
                t++;
            }
            else if (p < pattern.Length && pattern[p] == '*')
            {
                starP = p++;
                starT = t;
            }
            else if (starP >= 0)
            {
                p = starP + 1;
                t = ++starT;
            }
            else
            {
                return false;
            }
        }

        while (p < pattern.Length && pattern[p] == '*')
        {
            p++;
        }

        return p == pattern.Length;
    }
}
