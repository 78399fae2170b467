using QuayBuilder.Configuration;
using QuayBuilder.Local;

namespace QuayBuilder.Tests.Local;

public sealed class LocalArgumentsTests
{
    [Fact]
    public void Parse_WhenOnlyASourceIsGiven_UsesTheBuildPackDefaults()
    {
        var options = LocalArguments.Parse(["./app"]);

        Assert.Equal("./app", options.Source);
        Assert.Equal(["latest"], options.Tags);
        Assert.Equal("localhost", options.Registry);
        Assert.Null(options.Repository);
        Assert.Equal("$token", options.Username);
        Assert.False(options.Push);
        Assert.Equal(string.Empty, options.Context);
    }

    [Fact]
    public void Parse_WhenEveryOptionIsGiven_ReadsEachInBothSpellings()
    {
        var sha = new string('a', 40);
        var options = LocalArguments.Parse([
            "git@github.com:acme/app.git", "--sha", sha, "--ssh-key=/k", "--context", "web", "--dockerfile=Containerfile",
            "--tag", "v1", "--tag=v2", "--tag", "v1", "--registry", "quay.io", "--repository=acme/app", "--push", "--username", "robot+ci",
            "--password-file", "/p", "--pull-token-file", "/t", "--cached-tag", "main", "--isolation", "oci", "--keep", "--plain", "--verbose",
            "--no-reproducible", "--no-provenance", "--no-layer-cache",
        ]);

        Assert.Equal(sha, options.Sha);
        Assert.Equal("/k", options.SshKeyFile);
        Assert.Equal("web", options.Context);
        Assert.Equal("Containerfile", options.Dockerfile);
        Assert.Equal(["v1", "v2"], options.Tags);
        Assert.Equal("quay.io", options.Registry);
        Assert.Equal("acme/app", options.Repository);
        Assert.True(options.Push && options.Keep && options.Plain && options.Verbose);
        Assert.Equal("robot+ci", options.Username);
        Assert.Equal("/p", options.PasswordFile);
        Assert.Equal("/t", options.PullTokenFile);
        Assert.Equal("main", options.CachedTag);
        Assert.Equal("oci", options.Isolation);
        Assert.True(options.NoLayerCache);
        Assert.True(options.NoReproducible && options.NoProvenance);
    }

    [Theory]
    [InlineData(new string[0], "SOURCE is missing")]
    [InlineData(new[] { "a", "b" }, "more than one SOURCE")]
    [InlineData(new[] { "a", "--tag" }, "--tag needs a value")]
    [InlineData(new[] { "a", "--tag", "-bad" }, "is not a valid tag")]
    [InlineData(new[] { "a", "--registry", "https://quay.io" }, "give host[:port] only")]
    [InlineData(new[] { "a", "--repository", "App" }, "is not namespace/name")]
    [InlineData(new[] { "a", "--isolation", "vm" }, "use chroot, oci or rootless")]
    [InlineData(new[] { "a", "--sha", "abc" }, "not a commit id")]
    [InlineData(new[] { "a", "--push=yes" }, "takes no value")]
    [InlineData(new[] { "a", "--no-provenance=1" }, "takes no value")]
    [InlineData(new[] { "a", "--json", "--plain" }, "exclude each other")]
    [InlineData(new[] { "a", "--frobnicate" }, "unknown option '--frobnicate'")]
    public void Parse_WhenAnArgumentIsWrong_ThrowsOneLineNamingIt(string[] args, string expected)
    {
        var e = Assert.Throws<ConfigurationException>(() => LocalArguments.Parse(args));

        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Theory]
    [InlineData("--password")]
    [InlineData("--token")]
    [InlineData("--pull-token")]
    public void Parse_WhenASecretIsOnTheCommandLine_RefusesWithoutRepeatingIt(string option)
    {
        var e = Assert.Throws<ConfigurationException>(() => LocalArguments.Parse(["a", option, "s3cret-VALUE"]));

        Assert.Contains("-file FILE", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("s3cret-VALUE", e.Message, StringComparison.Ordinal);
    }
}
