namespace QuayBuilder.BuildContext.Tests.Git;

public sealed class GitUrlTests
{
    [Theory]
    [InlineData("git@github.com:owner/repo.git", "ScpLike", "github.com")]
    [InlineData("github.com:owner/repo", "ScpLike", "github.com")]
    [InlineData("ssh://git@gitlab.example.com:2222/group/sub/repo.git", "Ssh", "gitlab.example.com")]
    [InlineData("ssh://git@[::1]:2222/repo.git", "Ssh", "::1")]
    [InlineData("git+ssh://git@host/repo.git", "Ssh", "host")]
    [InlineData("https://github.com/owner/repo.git", "Http", "github.com")]
    [InlineData("https://x-access-token:ghp_abc123@github.com/owner/repo.git", "Http", "github.com")]
    [InlineData("http://git.internal:8080/repo", "Http", "git.internal")]
    [InlineData("git://git.kernel.org/pub/scm/git/git.git", "GitDaemon", "git.kernel.org")]
    [InlineData("ssh://git@bitbucket.org/~user/repo.git", "Ssh", "bitbucket.org")]
    public void Parse_WhenUrlIsValid_ReturnsKindAndHost(string url, string kind, string host)
    {
        GitUrl parsed = GitUrl.Parse(url, allowLocal: false);

        Assert.Equal(kind, parsed.Kind.ToString());
        Assert.Equal(host, parsed.Host);
        Assert.Equal(url, parsed.Value);
    }

    [Theory]
    [InlineData("", "empty")]
    [InlineData("--upload-pack=touch /tmp/x", "start with '-'")]
    [InlineData("-oProxyCommand=id", "start with '-'")]
    [InlineData("git@github.com:owner/repo.git;id", "';'")]
    [InlineData("https://github.com/owner/repo.git|id", "'|'")]
    [InlineData("git@github.com:owner/$(id).git", "'$'")]
    [InlineData("git@github.com:owner/`id`.git", "'`'")]
    [InlineData("git@github.com:owner/repo.git id", "whitespace")]
    [InlineData("git@github.com:owner/repo.git\nid", "whitespace")]
    [InlineData("ext::sh -c id", "whitespace")]
    [InlineData("ext::sh%20-c%20id", "ext::")]
    [InlineData("fd::17", "ext::")]
    [InlineData("-@host:repo", "start with '-'")]
    [InlineData("git@-oProxyCommand=id:repo", "host name")]
    [InlineData("ssh://-oProxyCommand=id/repo", "host name")]
    [InlineData("git@host:-repo", "starts with '-'")]
    [InlineData("ftp://host/repo", "scheme 'ftp'")]
    [InlineData("ssh://git@host:99999/repo", "port")]
    [InlineData("ssh://git@host", "path is missing")]
    [InlineData("/srv/git/repo.git", "local paths are not allowed")]
    [InlineData("file:///srv/git/repo.git", "file:// URLs are not allowed")]
    [InlineData("repo.git", "expected ssh://")]
    public void Parse_WhenUrlIsHostileOrMalformed_ThrowsNamingTheProblem(string url, string reason)
    {
        SourceException error = Assert.Throws<SourceException>(() => GitUrl.Parse(url, allowLocal: false));

        Assert.StartsWith("Invalid git repository URL (", error.Message, StringComparison.Ordinal);
        Assert.Contains(reason, error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("/srv/git/repo.git")]
    [InlineData("file:///srv/git/repo.git")]
    public void Parse_WhenLocalAllowed_AcceptsLocalRepositories(string url)
    {
        Assert.Equal(GitUrlKind.Local, GitUrl.Parse(url, allowLocal: true).Kind);
    }

    [Theory]
    [InlineData("https://x-access-token:ghp_secret@github.com/o/r.git", "https://***@github.com/o/r.git")]
    [InlineData("https://ghp_secret@github.com/o/r.git", "https://***@github.com/o/r.git")]
    [InlineData("ssh://git:hunter22@host/r.git", "ssh://git:***@host/r.git")]
    [InlineData("ssh://git@host/r.git", "ssh://git@host/r.git")]
    [InlineData("git@github.com:o/r.git", "git@github.com:o/r.git")]
    [InlineData("https://host/r.git?X-Amz-Signature=abc", "https://host/r.git?***")]
    public void Redact_WhenUrlCarriesCredentials_HidesThem(string url, string expected)
    {
        Assert.Equal(expected, GitUrl.Redact(url));
    }

    [Fact]
    public void Parse_WhenUrlHasCredentials_ErrorMessageHidesThem()
    {
        SourceException error = Assert.Throws<SourceException>(() => GitUrl.Parse("https://user:s3cretT0ken@host/repo;id", allowLocal: false));

        Assert.DoesNotContain("s3cretT0ken", error.Message, StringComparison.Ordinal);
    }
}
