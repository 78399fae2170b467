using QuayBuilder.BuildContext;

namespace QuayBuilder.BuildContext.Tests.Context;

public sealed class ImageReferenceTests
{
    [Theory]
    [InlineData("busybox", "busybox", null, null, "docker.io", "latest")]
    [InlineData("library/busybox:1.36", "library/busybox", "1.36", null, "docker.io", "1.36")]
    [InlineData("quay.io/acme/web:v2", "quay.io/acme/web", "v2", null, "quay.io", "v2")]
    [InlineData("localhost/x", "localhost/x", null, null, "localhost", "latest")]
    [InlineData("localhost:5000/x:y", "localhost:5000/x", "y", null, "localhost:5000", "y")]
    [InlineData("Registry/x", "Registry/x", null, null, "Registry", "latest")]
    [InlineData("quay.io/a@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
        "quay.io/a", null, "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", "quay.io", "")]
    public void Parse_WhenValid_SplitsNameTagDigestAndDomain(
        string text, string name, string? tag, string? digest, string domain, string tagOrDefault)
    {
        ImageReference reference = ImageReference.Parse(text);

        Assert.Equal(name, reference.Name);
        Assert.Equal(tag, reference.Tag);
        Assert.Equal(digest, reference.Digest);
        Assert.Equal(domain, reference.Domain);
        Assert.Equal(tagOrDefault, reference.TagOrDefault);
        Assert.Equal(text, reference.ToString());
    }

    [Theory]
    [InlineData("quay.io/acme/web", "quay.io", true)]
    [InlineData("quay.io/acme/web", "QUAY.IO", true)]
    [InlineData("quay.io:443/acme/web", "quay.io", false)]
    [InlineData("127.0.0.1:5000/acme/web", "127.0.0.1:5000", true)]
    [InlineData("acme/web", "docker.io", true)]
    [InlineData("acme/web", "quay.io", false)]
    public void IsHostedOn_WhenCompared_MatchesDomainWithPort(string text, string registry, bool expected)
    {
        Assert.Equal(expected, ImageReference.Parse(text).IsHostedOn(registry));
    }

    [Fact]
    public void IsScratch_WhenScratch_IsTrueOnlyForBareScratch()
    {
        Assert.True(ImageReference.Parse("scratch").IsScratch);
        Assert.False(ImageReference.Parse("scratch:1").IsScratch);
        Assert.False(ImageReference.Parse("acme/scratch").IsScratch);
    }

    [Fact]
    public void Path_WhenDomainPresent_IsTheRepositoryPart()
    {
        Assert.Equal("acme/web", ImageReference.Parse("quay.io/acme/web:1").Path);
        Assert.Equal("busybox", ImageReference.Parse("busybox").Path);
    }
}
