namespace QuayBuilder.BuildContext.Tests.Packages;

/// <summary>
/// A work directory holding the extraction destination and a sentinel sibling directory,
/// so a test can prove that nothing was written outside the destination.
/// </summary>
internal sealed class PackageWorkspace : IDisposable
{
    public PackageWorkspace()
    {
        Root = Path.Join(Path.GetTempPath(), "qb-packages-" + Guid.NewGuid().ToString("N"));
        Sentinel = Path.Join(Root, "sentinel");
        System.IO.Directory.CreateDirectory(Sentinel);
        File.WriteAllText(Path.Join(Sentinel, "keep"), "original");
    }

    public string Root { get; }

    public string Destination => Path.Join(Root, "dest");

    public string Sentinel { get; }

    public List<string> Log { get; } = [];

    public IProgress<string> Progress => new SynchronousProgress(Log);

    public string PathOf(string relative) => Path.Join(Destination, relative);

    /// <summary>After a refused package: the destination is gone and the sentinel is untouched.</summary>
    public void AssertNothingWritten()
    {
        Assert.False(System.IO.Directory.Exists(Destination), "the destination should have been deleted");
        Assert.Equal(["sentinel"], System.IO.Directory.GetFileSystemEntries(Root).Select(Path.GetFileName).Order());
        Assert.Equal(["keep"], System.IO.Directory.GetFileSystemEntries(Sentinel).Select(Path.GetFileName));
        Assert.Equal("original", File.ReadAllText(Path.Join(Sentinel, "keep")));
    }

    public void Dispose()
    {
        if (System.IO.Directory.Exists(Root))
        {
            System.IO.Directory.Delete(Root, recursive: true);
        }
    }

    private sealed class SynchronousProgress(List<string> lines) : IProgress<string>
    {
        public void Report(string value)
        {
            lock (lines)
            {
                lines.Add(value);
            }
        }
    }
}
