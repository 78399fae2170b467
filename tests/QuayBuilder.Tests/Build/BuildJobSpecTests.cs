using QuayBuilder.Build;

namespace QuayBuilder.Tests.Build;

public sealed class BuildJobSpecTests
{
    private static BuildJobSpec WithGitUrl(string url) => new()
    {
        Git = new GitPackageSpec(url, "0123456789abcdef0123456789abcdef01234567", null),
        Repository = "acme/web",
        Registry = "quay.example.com",
    };

    [Fact]
    public void SecretsAndToString_WhenTheGitUrlCarriesAToken_MaskItAndNeverShowIt()
    {
        var spec = WithGitUrl("https://robot:tok3n-SECRET@git.example.com/acme/web.git");

        Assert.Contains("tok3n-SECRET", spec.Secrets());
        Assert.Contains("robot", spec.Secrets());
        Assert.DoesNotContain("tok3n-SECRET", spec.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("tok3n-SECRET", spec.Git!.ToString(), StringComparison.Ordinal);
        Assert.Contains("git https://git.example.com/acme/web.git@0123456789abcdef", spec.ToString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("ssh://git@git.example.com/acme/web.git")]
    [InlineData("git@git.example.com:acme/web.git")]
    public void Secrets_WhenTheGitUrlHasOnlyAnSshUserName_DoNotMaskIt(string url) =>
        Assert.DoesNotContain("git", WithGitUrl(url).Secrets());
}
