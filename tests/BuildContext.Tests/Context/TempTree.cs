namespace QuayBuilder.BuildContext.Tests.Context;

/// <summary>A scratch directory tree for one test, deleted afterwards.</summary>
internal sealed class TempTree : IDisposable
{
    public TempTree()
    {
        Root = Directory.CreateTempSubdirectory("qb-context-").FullName;
    }

    public string Root { get; }

    public string File(string relative, string content = "FROM busybox\n")
    {
        string path = Path.Join(Root, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        System.IO.File.WriteAllText(path, content);
        return path;
    }

    public string Dir(string relative) => Directory.CreateDirectory(Path.Join(Root, relative)).FullName;

    public string Link(string relative, string target)
    {
        string path = Path.Join(Root, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        System.IO.File.CreateSymbolicLink(path, target);
        return path;
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
            // Best effort: a leftover temp directory must not fail a test.
        }
    }
}
