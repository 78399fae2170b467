using QuayBuilder.BuildContext;

namespace QuayBuilder.BuildContext.Tests.Context;

public sealed class BuildContextResolverTests : IDisposable
{
    private readonly TempTree _tree = new();

    public void Dispose() => _tree.Dispose();

    [Theory]
    [InlineData(null, null)]
    [InlineData("", "")]
    [InlineData("/", "Dockerfile")]
    [InlineData("/", "/Dockerfile")]
    [InlineData("//", "./Dockerfile")]
    public void Resolve_WhenDefaults_FindsRootDockerfile(string? context, string? dockerfile)
    {
        _tree.File("Dockerfile");

        ResolvedContext resolved = BuildContextResolver.Resolve(_tree.Root, context, dockerfile);

        Assert.Equal(_tree.Root, resolved.SourceRoot);
        Assert.Equal(_tree.Root, resolved.ContextDirectory);
        Assert.Equal(Path.Join(_tree.Root, "Dockerfile"), resolved.DockerfilePath);
        Assert.Equal("Dockerfile", resolved.DockerfileInContext);
    }

    [Theory]
    [InlineData("/web", "docker/Dockerfile.prod")]
    [InlineData("web", "docker/Dockerfile.prod")]
    [InlineData("/web/", "./docker/../docker/Dockerfile.prod")]
    public void Resolve_WhenDockerfileElsewhereInSubdirectoryContext_ReturnsPathInContext(string context, string dockerfile)
    {
        _tree.File("Dockerfile");
        _tree.File("web/docker/Dockerfile.prod");

        ResolvedContext resolved = BuildContextResolver.Resolve(_tree.Root, context, dockerfile);

        Assert.Equal(Path.Join(_tree.Root, "web"), resolved.ContextDirectory);
        Assert.Equal(Path.Join(_tree.Root, "web/docker/Dockerfile.prod"), resolved.DockerfilePath);
        Assert.Equal("docker/Dockerfile.prod", resolved.DockerfileInContext);
    }

    [Theory]
    [InlineData("../..")]
    [InlineData("/../..")]
    [InlineData("web/../../..")]
    [InlineData("missing/../../x")]
    public void Resolve_WhenContextEscapesWithDotDot_RefusesOutsideSource(string context)
    {
        _tree.File("web/Dockerfile");

        var e = Assert.Throws<SourceException>(() => BuildContextResolver.Resolve(Path.Join(_tree.Root, "web"), context, null));

        Assert.Contains("resolves outside the build source", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("../../etc/passwd")]
    [InlineData("/../../../../../../../../etc/passwd")]
    public void Resolve_WhenDockerfilePathEscapes_RefusesOutsideSource(string dockerfile)
    {
        _tree.File("web/Dockerfile");

        var e = Assert.Throws<SourceException>(() => BuildContextResolver.Resolve(_tree.Root, "/web", dockerfile));

        Assert.Contains("resolves outside the build source", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("root:", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("/etc/passwd")]
    [InlineData("../../../../../../../../../../etc/passwd")]
    public void Resolve_WhenDockerfileIsSymlinkOutside_RefusesOutsideSource(string target)
    {
        _tree.Link("Dockerfile", target);

        var e = Assert.Throws<SourceException>(() => BuildContextResolver.Resolve(_tree.Root, "/", "Dockerfile"));

        Assert.Contains("resolves outside the build source", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Resolve_WhenContextIsSymlinkToOutside_RefusesOutsideSource()
    {
        using var outside = new TempTree();
        outside.File("Dockerfile");
        _tree.Link("web", outside.Root);

        var e = Assert.Throws<SourceException>(() => BuildContextResolver.Resolve(_tree.Root, "/web", null));

        Assert.Contains("build context \"/web\" resolves outside the build source", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Resolve_WhenIntermediateDirectoryIsSymlinkToOutside_RefusesOutsideSource()
    {
        using var outside = new TempTree();
        outside.File("Dockerfile");
        _tree.Link("web/sub", outside.Root);

        var e = Assert.Throws<SourceException>(() => BuildContextResolver.Resolve(_tree.Root, "/web", "sub/Dockerfile"));

        Assert.Contains("resolves outside the build source", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Resolve_WhenDockerfileInSourceButOutsideContext_RefusesOutsideContext()
    {
        _tree.File("Dockerfile");
        _tree.File("web/index.html", "hi");

        var e = Assert.Throws<SourceException>(() => BuildContextResolver.Resolve(_tree.Root, "/web", "../Dockerfile"));

        Assert.Contains("resolves outside the build context", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Resolve_WhenDockerfileIsSymlinkInsideContext_ReturnsRealTarget()
    {
        _tree.File("web/docker/Dockerfile.real");
        _tree.Link("web/Dockerfile", "docker/Dockerfile.real");

        ResolvedContext resolved = BuildContextResolver.Resolve(_tree.Root, "/web", "Dockerfile");

        Assert.Equal(Path.Join(_tree.Root, "web/docker/Dockerfile.real"), resolved.DockerfilePath);
        Assert.Equal("docker/Dockerfile.real", resolved.DockerfileInContext);
    }

    [Fact]
    public void Resolve_WhenContextIsSymlinkInsideSource_ReturnsRealDirectory()
    {
        _tree.File("real/app/Dockerfile");
        _tree.Link("app", "real/app");

        ResolvedContext resolved = BuildContextResolver.Resolve(_tree.Root, "/app", null);

        Assert.Equal(Path.Join(_tree.Root, "real/app"), resolved.ContextDirectory);
        Assert.Equal("Dockerfile", resolved.DockerfileInContext);
    }

    [Fact]
    public void Resolve_WhenSourceRootIsReachedThroughSymlink_ReturnsRealPaths()
    {
        using var other = new TempTree();
        _tree.File("Dockerfile");
        string linkToRoot = other.Link("src", _tree.Root);

        ResolvedContext resolved = BuildContextResolver.Resolve(linkToRoot, "/", null);

        Assert.Equal(_tree.Root, resolved.SourceRoot);
        Assert.Equal(Path.Join(_tree.Root, "Dockerfile"), resolved.DockerfilePath);
    }

    [Fact]
    public void Resolve_WhenMissing_ListsDockerfilesThatExist()
    {
        _tree.File("docker/Dockerfile");
        _tree.File("api/Containerfile");
        _tree.File("Dockerfile.dev");
        _tree.File("README.md", "hi");
        _tree.Dir("web");

        var e = Assert.Throws<SourceException>(() => BuildContextResolver.Resolve(_tree.Root, "/web", ""));

        Assert.Equal(
            "Missing Dockerfile: no Dockerfile at web/Dockerfile. Dockerfiles in the source: Dockerfile.dev, api/Containerfile, docker/Dockerfile. " +
            "Set the build's context and Dockerfile path to one of them.",
            e.Message);
    }

    [Fact]
    public void Resolve_WhenMissingAndManyExist_ListsAtMostTen()
    {
        for (int i = 0; i < 25; i++)
        {
            _tree.File($"d{i:00}/Dockerfile");
        }

        var e = Assert.Throws<SourceException>(() => BuildContextResolver.Resolve(_tree.Root, null, null));

        Assert.StartsWith("Missing Dockerfile: no Dockerfile at Dockerfile. Dockerfiles in the source: d00/Dockerfile,", e.Message, StringComparison.Ordinal);
        Assert.Contains("d09/Dockerfile.", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("d10/", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Resolve_WhenSourceHasNoDockerfile_SaysSo()
    {
        _tree.File("README.md", "hi");

        var e = Assert.Throws<SourceException>(() => BuildContextResolver.Resolve(_tree.Root, null, null));

        Assert.Equal("Missing Dockerfile: no Dockerfile at Dockerfile. The source contains no Dockerfile.", e.Message);
    }

    [Fact]
    public void Resolve_WhenContextDirectoryMissing_ReportsMissingDockerfile()
    {
        _tree.File("Dockerfile");

        var e = Assert.Throws<SourceException>(() => BuildContextResolver.Resolve(_tree.Root, "/nope", null));

        Assert.StartsWith("Missing Dockerfile: the build context directory \"nope\" does not exist. Dockerfiles in the source: Dockerfile.", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Resolve_WhenDockerfileIsDirectory_ReportsMissingDockerfile()
    {
        _tree.File("Dockerfile/inner", "x");

        var e = Assert.Throws<SourceException>(() => BuildContextResolver.Resolve(_tree.Root, null, null));

        Assert.StartsWith("Missing Dockerfile: Dockerfile is not a regular file.", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Resolve_WhenSymlinkLoop_FailsWithClearError()
    {
        _tree.Link("a", "b");
        _tree.Link("b", "a");

        var e = Assert.Throws<SourceException>(() => BuildContextResolver.Resolve(_tree.Root, "/", "a"));

        Assert.StartsWith("Too many levels of symbolic links", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Resolve_WhenDanglingSymlinkDockerfile_ReportsMissing()
    {
        _tree.Link("Dockerfile", "nowhere/Dockerfile");

        var e = Assert.Throws<SourceException>(() => BuildContextResolver.Resolve(_tree.Root, null, null));

        Assert.StartsWith("Missing Dockerfile: no Dockerfile at Dockerfile.", e.Message, StringComparison.Ordinal);
    }
}
