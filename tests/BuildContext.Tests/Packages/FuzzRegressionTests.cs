using System.Runtime.CompilerServices;

namespace QuayBuilder.BuildContext.Tests.Packages;

/// <summary>
/// Inputs the archive fuzz target found (fuzz/corpus/archive/regress-*): each must be refused as a
/// corrupt or hostile package with a specific reason, not surface a runtime exception's text.
/// </summary>
public sealed class FuzzRegressionTests : IDisposable
{
    private readonly PackageWorkspace _workspace = new();

    public void Dispose() => _workspace.Dispose();

    private static string Corpus(string name, [CallerFilePath] string source = "") =>
        Path.GetFullPath(Path.Join(Path.GetDirectoryName(source)!, "..", "..", "..", "fuzz", "corpus", "archive", name));

    [Theory]
    [InlineData("regress-zip-symlink-target-nul.zip", "NUL character")]
    [InlineData("regress-tar-numeric-overflow.tar", "")]
    [InlineData("regress-bzip2-index-out-of-range.tar.bz2", "")]
    public async Task Extract_WhenAFuzzFindingIsReplayed_RefusesItWithASpecificReason(string input, string reason)
    {
        var failure = await Assert.ThrowsAsync<SourceException>(() =>
            PackageFetcher.ExtractFileAsync(Corpus(input), _workspace.Destination, SourceLimits.Default, _workspace.Progress, CancellationToken.None));

        Assert.DoesNotContain("could not be fetched", failure.Message, StringComparison.Ordinal);
        Assert.Contains(reason, failure.Message, StringComparison.Ordinal);
        Assert.False(Directory.Exists(_workspace.Destination));
        _workspace.AssertNothingWritten();
    }
}
