using System.Text;

namespace QuayBuilder.BuildContext;

/// <summary>Go's <c>path.Clean</c>: the rules .dockerignore patterns and paths are normalised with.</summary>
internal static class LexicalPath
{
    public static string Clean(string path)
    {
        if (path.Length == 0)
        {
            return ".";
        }

        bool rooted = path[0] == '/';
        var parts = new List<string>();
        foreach (string part in path.Split('/'))
        {
            if (part is "" or ".")
            {
                continue;
            }

            if (part == "..")
            {
                if (parts.Count > 0 && parts[^1] != "..")
                {
                    parts.RemoveAt(parts.Count - 1);
                }
                else if (!rooted)
                {
                    parts.Add("..");
                }

                continue;
            }

            parts.Add(part);
        }

        var result = new StringBuilder(path.Length);
        if (rooted)
        {
            result.Append('/');
        }

        result.AppendJoin('/', parts);
        return result.Length == 0 ? "." : result.ToString();
    }
}
