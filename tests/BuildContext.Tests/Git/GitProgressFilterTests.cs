namespace QuayBuilder.BuildContext.Tests.Git;

public sealed class GitProgressFilterTests
{
    [Fact]
    public void ShouldLog_WhenManyRedrawsOfOnePhase_KeepsFirstAndDone()
    {
        var filter = new GitProgressFilter();
        var lines = Enumerable.Range(0, 100).Select(p => $"Receiving objects: {p,3}% ({p}/100), 1.00 MiB | 10 MiB/s").ToList();
        lines.Add("Receiving objects: 100% (100/100), 2.00 MiB | 10 MiB/s, done.");

        List<string> logged = lines.Where(filter.ShouldLog).ToList();

        Assert.Equal(2, logged.Count);
        Assert.StartsWith("Receiving objects:   0%", logged[0], StringComparison.Ordinal);
        Assert.EndsWith("done.", logged[1], StringComparison.Ordinal);
    }

    [Fact]
    public void ShouldLog_WhenPhaseChanges_LogsNewPhase()
    {
        var filter = new GitProgressFilter();

        Assert.True(filter.ShouldLog("remote: Counting objects:  50% (1/2)"));
        Assert.True(filter.ShouldLog("Receiving objects:  50% (1/2)"));
        Assert.True(filter.ShouldLog("Resolving deltas:  50% (1/2)"));
    }

    [Fact]
    public void ShouldLog_WhenNotProgress_AlwaysLogs()
    {
        var filter = new GitProgressFilter();

        Assert.True(filter.ShouldLog("fatal: Could not read from remote repository."));
        Assert.True(filter.ShouldLog("fatal: Could not read from remote repository."));
        Assert.False(GitProgressFilter.IsProgress("Cloning into 'sub'..."));
    }
}
