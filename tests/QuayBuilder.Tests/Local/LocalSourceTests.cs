using QuayBuilder.Configuration;
using QuayBuilder.Local;

namespace QuayBuilder.Tests.Local;

public sealed class LocalSourceTests : IDisposable
{
    private readonly string _scratch = Directory.CreateTempSubdirectory("qb-local-source-").FullName;

    [Fact]
    public void Classify_WhenADirectory_BuildsItInPlaceUnderItsOwnName()
    {
        var directory = Directory.CreateDirectory(Path.Combine(_scratch, "My App")).FullName;

        var source = Classify(directory + "/");

        Assert.Equal(new LocalSource(LocalSourceKind.Directory, directory, "my-app"), source);
    }

    [Fact]
    public void Classify_WhenABareRepository_IsGitWithItsAbsolutePath()
    {
        var bare = Directory.CreateDirectory(Path.Combine(_scratch, "service.git")).FullName;
        File.WriteAllText(Path.Combine(bare, "HEAD"), "ref: refs/heads/main\n");
        Directory.CreateDirectory(Path.Combine(bare, "objects"));
        Directory.CreateDirectory(Path.Combine(bare, "refs"));

        var source = Classify(Path.GetRelativePath(Directory.GetCurrentDirectory(), bare));

        Assert.Equal(new LocalSource(LocalSourceKind.Git, bare, "service"), source);
    }

    [Fact]
    public void Classify_WhenAnArchiveFile_StripsTheArchiveSuffixFromTheName()
    {
        var file = Path.Combine(_scratch, "Release_1.tar.gz");
        File.WriteAllBytes(file, [1]);

        Assert.Equal(new LocalSource(LocalSourceKind.ArchiveFile, file, "release_1"), Classify(file));
    }

    [Theory]
    [InlineData("https://storage.example.com/builds/pkg.tgz?X-Amz-Signature=abc", "ArchiveUrl", "pkg")]
    [InlineData("https://github.com/acme/app.git", "Git", "app")]
    [InlineData("git@github.com:acme/App.git", "Git", "app")]
    [InlineData("ssh://git@example.com:2222/acme/app", "Git", "app")]
    public void Classify_WhenAUrl_TellsArchivesFromGit(string url, string kind, string name)
    {
        Assert.Equal(new LocalSource(Enum.Parse<LocalSourceKind>(kind), url, name), Classify(url));
    }

    [Fact]
    public void Classify_WhenAnHttpsUrlComesWithSha_IsGit()
    {
        var options = new LocalOptions { Source = "https://example.com/acme/app", Sha = new string('b', 40) };

        Assert.Equal(LocalSourceKind.Git, LocalSource.Classify(options).Kind);
    }

    [Theory]
    [InlineData("/does/not/exist", "does not exist")]
    [InlineData("ftp://example.com/app.tar", "scheme 'ftp'")]
    public void Classify_WhenNothingToBuild_SaysWhatSourceMayBe(string source, string expected)
    {
        var e = Assert.Throws<ConfigurationException>(() => Classify(source));

        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
    }

    public void Dispose() => Directory.Delete(_scratch, recursive: true);

    private static LocalSource Classify(string source) => LocalSource.Classify(new LocalOptions { Source = source });
}
