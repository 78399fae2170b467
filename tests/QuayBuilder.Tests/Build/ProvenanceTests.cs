using QuayBuilder.Build;
using QuayBuilder.BuildContext;

namespace QuayBuilder.Tests.Build;

public sealed class ProvenanceTests
{
    private const string Sha = "0123456789abcdef0123456789abcdef01234567";
    private static readonly DateTimeOffset CommitTime = new(2023, 11, 14, 22, 13, 20, TimeSpan.Zero);
    private static readonly DateTimeOffset Now = new(2026, 1, 2, 3, 4, 5, 678, TimeSpan.Zero);
    private static readonly SourceFacts Git = SourceFacts.FromGit(
        "https://user:s3cret@git.example.com/acme/web.git", new GitCommitInfo(Sha, "subject", "A <a@example.com>") { CommitTime = CommitTime });

    [Theory]
    [InlineData("https://user:s3cret@github.com/acme/web.git", "https://github.com/acme/web.git")]
    [InlineData("https://x-access-token:ghs_abc@github.com/acme/web.git", "https://github.com/acme/web.git")]
    [InlineData("https://ghp_tokenonly@github.com/acme/web.git", "https://github.com/acme/web.git")]
    [InlineData("http://u:p@host:8080/r.git?private_token=abc#frag", "http://host:8080/r.git")]
    [InlineData("https://github.com/acme/web.git", "https://github.com/acme/web.git")]
    [InlineData("git@github.com:acme/web.git", "git@github.com:acme/web.git")]
    [InlineData("git:secret@github.com:acme/web.git", "git@github.com:acme/web.git")]
    [InlineData("ssh://git@github.com:22/acme/web.git", "ssh://git@github.com:22/acme/web.git")]
    [InlineData("ssh://deploy:hunter2@[::1]:2222/srv/repo.git", "ssh://deploy@[::1]:2222/srv/repo.git")]
    [InlineData("https://u:p%40ss@host/r.git", "https://host/r.git")]
    [InlineData("/srv/git/repo.git", "/srv/git/repo.git")]
    [InlineData("file:///srv/git/repo.git", "file:///srv/git/repo.git")]
    public void CleanSourceUrl_KeepsNoCredentialButKeepsTheSshUserName(string url, string expected) =>
        Assert.Equal(expected, Provenance.CleanSourceUrl(url));

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("  ")]
    public void CleanSourceUrl_WhenNoUrl_IsNull(string? url) => Assert.Null(Provenance.CleanSourceUrl(url));

    [Fact]
    public void Create_WhenGitCommit_UsesTheCommitTimeAndLabelsSourceRevisionCreatedInThatOrder()
    {
        var provenance = Create(Git, "FROM busybox\nRUN true\n", ProvenanceOptions.Default, Now);

        Assert.Equal(1700000000, provenance.Timestamp);
        Assert.Equal("oci", provenance.ImageFormat);
        Assert.Equal(
            [
                new(Provenance.SourceLabel, "https://git.example.com/acme/web.git"),
                new(Provenance.RevisionLabel, Sha),
                new(Provenance.CreatedLabel, "2023-11-14T22:13:20Z"),
            ],
            provenance.Labels);
        Assert.Contains(provenance.Notes, n => n.Contains("2023-11-14T22:13:20Z (1700000000), the commit's committer time", StringComparison.Ordinal));
        Assert.DoesNotContain(provenance.Notes, n => n.Contains("s3cret", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("FROM busybox\nLABEL org.opencontainers.image.source=https://github.com/acme/web\n")]
    [InlineData("FROM busybox\nLABEL \"org.opencontainers.image.source\"=\"https://github.com/acme/web\" other=1\n")]
    [InlineData("FROM busybox\nLABEL org.opencontainers.image.source https://github.com/acme/web\n")]
    [InlineData("FROM busybox\nLABEL a=1 \\\n  'org.opencontainers.image.source'=x\n")]
    [InlineData("FROM busybox AS base\nLABEL org.opencontainers.image.source=x\nFROM base AS mid\nRUN true\nFROM mid\nRUN true\n")]
    public void Create_WhenTheFinalImagesDockerfileSetsTheSourceLabel_KeepsTheDockerfilesValue(string dockerfile)
    {
        var provenance = Create(Git, dockerfile, ProvenanceOptions.Default, Now);

        Assert.DoesNotContain(provenance.Labels, l => l.Key == Provenance.SourceLabel);
        Assert.Contains(provenance.Labels, l => l.Key == Provenance.RevisionLabel);
        Assert.Contains(provenance.Labels, l => l.Key == Provenance.CreatedLabel);
        Assert.Contains($"Provenance label {Provenance.SourceLabel}: the Dockerfile sets it; its own value is kept", provenance.Notes);
    }

    [Theory]
    [InlineData("FROM busybox AS build\nLABEL org.opencontainers.image.source=x\nFROM alpine\nCOPY --from=build /a /a\n")]
    [InlineData("FROM busybox\nLABEL org.opencontainers.image.sourcex=x\n")]
    [InlineData("FROM busybox\nLABEL ${KEY}=x\n")]
    [InlineData("FROM busybox\n# LABEL org.opencontainers.image.source=x\n")]
    public void Create_WhenOnlyAStageTheFinalImageDoesNotDescendFromSetsTheLabel_OursIsSet(string dockerfile)
    {
        var provenance = Create(Git, dockerfile, ProvenanceOptions.Default, Now);

        Assert.Contains(provenance.Labels, l => l.Key == Provenance.SourceLabel);
    }

    [Theory]
    [InlineData("FROM busybox\nHEALTHCHECK CMD true\n", "HEALTHCHECK")]
    [InlineData("FROM busybox\nSHELL [\"/bin/sh\", \"-xc\"]\n", "SHELL")]
    [InlineData("FROM busybox AS base\nONBUILD RUN true\nFROM base\nHEALTHCHECK NONE\n", "ONBUILD, HEALTHCHECK")]
    public void Create_WhenTheFinalImageNeedsTheDockerFormat_BuildsDockerAndSaysTheDigestWillDiffer(string dockerfile, string named)
    {
        var provenance = Create(Git, dockerfile, ProvenanceOptions.Default, Now);

        Assert.Equal("docker", provenance.ImageFormat);
        Assert.Equal(1700000000, provenance.Timestamp);
        Assert.Contains(provenance.Notes, n => n.Contains($"uses {named}, which only that format keeps", StringComparison.Ordinal)
                                               && n.Contains("digest will differ", StringComparison.Ordinal));
    }

    [Fact]
    public void Create_WhenOnlyABuilderStageHasAHealthcheck_StaysOci() =>
        Assert.Equal("oci", Create(Git, "FROM busybox AS b\nHEALTHCHECK NONE\nFROM busybox\n", ProvenanceOptions.Default, Now).ImageFormat);

    [Fact]
    public void Create_WhenReproducibleTimestampIsOff_UsesTheClockAndTheDockerFormat()
    {
        var provenance = Create(Git, "FROM busybox\n", new ProvenanceOptions(ReproducibleTimestamp: false), Now);

        Assert.Null(provenance.Timestamp);
        Assert.Equal("docker", provenance.ImageFormat);
        Assert.Contains(new KeyValuePair<string, string>(Provenance.CreatedLabel, "2026-01-02T03:04:05Z"), provenance.Labels);
        Assert.Contains("Reproducible timestamp: off; the image records the build's own time", provenance.Notes);
    }

    [Fact]
    public void Create_WhenLabelsAreOff_SetsNoLabelButKeepsTheTimestamp()
    {
        var provenance = Create(Git, "FROM busybox\n", new ProvenanceOptions(Labels: false), Now);

        Assert.Empty(provenance.Labels);
        Assert.Equal(1700000000, provenance.Timestamp);
        Assert.Contains("Provenance labels: off", provenance.Notes);
    }

    [Fact]
    public void Create_WhenArchive_UsesItsNewestFileTimeAndLabelsOnlyCreated()
    {
        var package = new FetchedPackage("tar.gz", 10, 2) { NewestFileTime = new DateTimeOffset(2024, 1, 2, 3, 4, 5, 900, TimeSpan.Zero) };

        var provenance = Create(SourceFacts.FromPackage(package), "FROM busybox\n", ProvenanceOptions.Default, Now);

        Assert.Equal(new DateTimeOffset(2024, 1, 2, 3, 4, 5, TimeSpan.Zero).ToUnixTimeSeconds(), provenance.Timestamp);
        Assert.Equal([new(Provenance.CreatedLabel, "2024-01-02T03:04:05Z")], provenance.Labels);
        Assert.Contains(provenance.Notes, n => n.Contains("the newest file time in the build package", StringComparison.Ordinal));
    }

    [Fact]
    public void Create_WhenBareDockerfile_HasNoSourceTimeAndSaysSo()
    {
        var provenance = Create(SourceFacts.FromPackage(new FetchedPackage("dockerfile", 10, 1)), "FROM busybox\n", ProvenanceOptions.Default, Now);

        Assert.Null(provenance.Timestamp);
        Assert.Equal("docker", provenance.ImageFormat);
        Assert.Contains("Reproducible timestamp: not possible (a bare Dockerfile records no time); the image records the build's own time", provenance.Notes);
    }

    [Fact]
    public void Create_WhenTheArchiveTimeIsBefore1970_Uses1970()
    {
        var package = new FetchedPackage("tar", 1, 1) { NewestFileTime = new DateTimeOffset(1960, 1, 1, 0, 0, 0, TimeSpan.Zero) };

        var provenance = Create(SourceFacts.FromPackage(package), "FROM busybox\n", ProvenanceOptions.Default, Now);

        Assert.Equal(0, provenance.Timestamp);
        Assert.Contains(new KeyValuePair<string, string>(Provenance.CreatedLabel, "1970-01-01T00:00:00Z"), provenance.Labels);
    }

    [Fact]
    public void Create_WhenAValueWouldBeExpandedByALabelStep_LeavesThatLabelOut()
    {
        var facts = SourceFacts.FromGit("https://host/repo$HOME.git", new GitCommitInfo(Sha, "s", "a") { CommitTime = CommitTime });

        var provenance = Create(facts, "FROM busybox\n", ProvenanceOptions.Default, Now);

        Assert.DoesNotContain(provenance.Labels, l => l.Key == Provenance.SourceLabel);
        Assert.Contains(provenance.Labels, l => l.Key == Provenance.RevisionLabel);
    }

    private static Provenance Create(SourceFacts facts, string dockerfile, ProvenanceOptions options, DateTimeOffset now) =>
        Provenance.Create(facts, DockerfileParser.Parse(dockerfile), options, now);
}
