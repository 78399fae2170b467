using System.Diagnostics;
using System.Text;
using QuayBuilder.BuildContext;

namespace QuayBuilder.BuildContext.Tests.Context;

public sealed class DockerfileParserTests
{
    // Dockerfile text → the stages' From texts (after substitution) joined by '|', then the base image.
    public static TheoryData<string, string, string?> Valid => new()
    {
        { "FROM busybox", "busybox", "busybox" },
        { "from busybox:1.36", "busybox:1.36", "busybox:1.36" },
        { "FROM quay.io/acme/base:v1 AS build\nRUN make\nFROM build\nCOPY . /", "quay.io/acme/base:v1|build", "quay.io/acme/base:v1" },
        { "FROM alpine AS Builder\nFROM builder", "alpine|builder", "alpine" },
        { "FROM alpine as b\nFROM B AS c\nFROM c", "alpine|B|c", "alpine" },
        { "FROM --platform=$BUILDPLATFORM golang:1.22 AS build", "golang:1.22", "golang:1.22" },
        { "FROM --platform=linux/amd64 --some-future=1 busybox", "busybox", "busybox" },
        { "ARG BASE=busybox\nFROM ${BASE}", "busybox", "busybox" },
        { "ARG BASE=busybox\nFROM $BASE:1.36", "busybox:1.36", "busybox:1.36" },
        { "ARG TAG\nFROM busybox:${TAG:-1.35}", "busybox:1.35", "busybox:1.35" },
        { "ARG TAG=\nFROM busybox:${TAG:-1.35}", "busybox:1.35", "busybox:1.35" },
        { "ARG TAG=\nFROM busybox${TAG-:x}", "busybox", "busybox" },
        { "ARG SLIM=1\nFROM debian${SLIM:+:bookworm-slim}", "debian:bookworm-slim", "debian:bookworm-slim" },
        { "ARG SLIM\nFROM debian${SLIM:+:bookworm-slim}", "debian", "debian" },
        { "ARG REG=quay.io ORG=acme\nARG IMG=${REG}/${ORG}/base\nFROM $IMG", "quay.io/acme/base", "quay.io/acme/base" },
        { "ARG V='busybox:1'\nFROM \"$V\"", "busybox:1", "busybox:1" },
        { "ARG V=quay.io/a/b:1.2.3\nFROM ${V%:*}", "quay.io/a/b", "quay.io/a/b" },
        { "ARG V=quay.io/a/b\nFROM docker.io/${V#*/}", "docker.io/a/b", "docker.io/a/b" },
        { "ARG V=x\nFROM busybox:${V/x/y}", "busybox:x", "busybox:x" },
        { "FROM busybox\nARG LATE=alpine\nFROM $LATE", "busybox|", null },
        { "# escape=`\nFROM busybox\nRUN echo a `\n  b", "busybox", "busybox" },
        { "# escape=`\nARG D=C:\\dir\nFROM busybox", "busybox", "busybox" },
        { "#escape=\\\nFROM busybox", "busybox", "busybox" },
        { "# syntax=docker/dockerfile:1\n# escape=\\\nFROM busybox", "busybox", "busybox" },
        { "# a comment\n# escape=`\nFROM busybox\nRUN echo \\\n", "busybox", "busybox" },
        { "\uFEFFFROM busybox", "busybox", "busybox" },
        { "FROM busybox\r\nRUN echo hi\r\n", "busybox", "busybox" },
        { "\n\n   \n# c\nFROM busybox", "busybox", "busybox" },
        { "FROM \\\n  busybox \\\n  AS b", "busybox", "busybox" },
        { "FROM busybox\nRUN echo a \\\n# a comment inside\n\n  && echo b", "busybox", "busybox" },
        { "FROM busybox\nRUN <<EOF\nFROM nothing-here\nEOF\nFROM alpine", "busybox|alpine", "busybox" },
        { "FROM busybox\nRUN <<-EOT cat\n\tFROM x\n\tEOT\nFROM alpine", "busybox|alpine", "busybox" },
        { "FROM busybox\nCOPY <<a <<\"b\" /dst/\nFROM x\na\nFROM y\nb\nFROM alpine", "busybox|alpine", "busybox" },
        { "FROM busybox\nRUN 3<<'E' cat\nFROM bad ref!\nE\n", "busybox", "busybox" },
        { "FROM busybox\nRUN echo \"<<EOF\"\nFROM alpine", "busybox|alpine", "busybox" },
        { "FROM busybox\nRUN [\"sh\", \"-c\", \"cat <<EOF\"]\nFROM alpine", "busybox|alpine", "busybox" },
        { "FROM busybox\nRUN [ -f x ] && cat <<EOF\nFROM x y z\nEOF\nFROM alpine", "busybox|alpine", "busybox" },
        { "FROM busybox\nRUN cat <<<here\nFROM alpine", "busybox|alpine", "busybox" },
        { "FROM busybox\nRUN cat <<\"EOF\nFROM alpine", "busybox|alpine", "busybox" },
        { "FROM busybox\nRUN cat <<'EOF x\nFROM alpine", "busybox|alpine", "busybox" },
        { "FROM busybox\nSHELL [\"/bin/sh\", \"-c\"]\nCMD [\"echo\"]\nHEALTHCHECK NONE\nFUTUREINSTR whatever", "busybox", "busybox" },
        { "FROM scratch\nCOPY a /", "scratch", null },
        { "FROM scratch AS s\nFROM busybox", "scratch|busybox", null },
        { "FROM busybox@sha256:" + Sha, "busybox@sha256:" + Sha, "busybox@sha256:" + Sha },
        { "FROM localhost:5000/a/b:c@sha256:" + Sha, "localhost:5000/a/b:c@sha256:" + Sha, "localhost:5000/a/b:c@sha256:" + Sha },
        { "FROM 127.0.0.1:5000/library/busybox:latest", "127.0.0.1:5000/library/busybox:latest", "127.0.0.1:5000/library/busybox:latest" },
        { "FROM [::1]:5000/x", "[::1]:5000/x", "[::1]:5000/x" },
        { "FROM a__b/c-d--e/f.g_h:Tag_1.0-x", "a__b/c-d--e/f.g_h:Tag_1.0-x", "a__b/c-d--e/f.g_h:Tag_1.0-x" },
        { "ARG V=busybox\nFROM \\$V", "$V", null },
    };

    private const string Sha = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

    [Theory]
    [MemberData(nameof(Valid))]
    public void Parse_WhenValid_ReturnsStagesAndBase(string text, string froms, string? baseImage)
    {
        if (froms == "$V")
        {
            // An escaped dollar is literal: "$V" is not a valid reference.
            var e = Assert.Throws<SourceException>(() => DockerfileParser.Parse(text));
            Assert.StartsWith(DockerfileParser.InvalidBaseImage, e.Message, StringComparison.Ordinal);
            return;
        }

        if (froms == "busybox|")
        {
            // ARGs after the first FROM are stage-scoped and not visible to later FROMs.
            var e = Assert.Throws<SourceException>(() => DockerfileParser.Parse(text));
            Assert.StartsWith(DockerfileParser.InvalidBaseImage, e.Message, StringComparison.Ordinal);
            return;
        }

        Dockerfile dockerfile = DockerfileParser.Parse(text);

        Assert.Equal(froms, string.Join('|', dockerfile.Stages.Select(s => s.From)));
        Assert.Equal(baseImage, dockerfile.BaseImage?.ToString());
    }

    public static TheoryData<string, string> Invalid => new()
    {
        { "", DockerfileParser.EmptyDockerfile },
        { "   \n\n\t\n", DockerfileParser.EmptyDockerfile },
        { "# only\n# comments\n\n#here", DockerfileParser.EmptyDockerfile },
        { "# escape=`\n", DockerfileParser.EmptyDockerfile },
        { "RUN echo hi\nFROM busybox", DockerfileParser.FirstLineNotFromOrArg },
        { "ARG A=1\nENV B=2\nFROM busybox", DockerfileParser.FirstLineNotFromOrArg },
        { "MAINTAINER me", DockerfileParser.FirstLineNotFromOrArg },
        { "FROM", DockerfileParser.InvalidBaseImage },
        { "FROM --platform=linux/amd64", DockerfileParser.InvalidBaseImage },
        { "FROM Busybox", DockerfileParser.InvalidBaseImage },
        { "FROM busybox:", DockerfileParser.InvalidBaseImage },
        { "FROM busybox:.bad", DockerfileParser.InvalidBaseImage },
        { "FROM busybox:" + new string('t', 129), DockerfileParser.InvalidBaseImage },
        { "FROM busybox@sha256:abc", DockerfileParser.InvalidBaseImage },
        { "FROM busybox@sha256:" + Sha.ToUpperInvariant(), DockerfileParser.InvalidBaseImage },
        { "FROM busybox@md5", DockerfileParser.InvalidBaseImage },
        { "FROM a//b", DockerfileParser.InvalidBaseImage },
        { "FROM a/-b", DockerfileParser.InvalidBaseImage },
        { "FROM a/b-", DockerfileParser.InvalidBaseImage },
        { "FROM a/b___c", DockerfileParser.InvalidBaseImage },
        { "FROM a/b!c", DockerfileParser.InvalidBaseImage },
        { "FROM quay.io:port/x", DockerfileParser.InvalidBaseImage },
        { "FROM -quay.io/x", DockerfileParser.InvalidBaseImage },
        { "FROM /busybox", DockerfileParser.InvalidBaseImage },
        { "FROM " + new string('a', 256), DockerfileParser.InvalidBaseImage },
        { "ARG BASE\nFROM $BASE", DockerfileParser.InvalidBaseImage },
        { "ARG BASE=\nFROM ${BASE} AS build", DockerfileParser.InvalidBaseImage },
        { "FROM ${UNDEFINED}", DockerfileParser.InvalidBaseImage },
        { "FROM busybox AS", DockerfileParser.CouldNotParseDockerfile },
        { "FROM busybox extra", DockerfileParser.CouldNotParseDockerfile },
        { "FROM busybox AS a b", DockerfileParser.CouldNotParseDockerfile },
        { "ARG A=1", DockerfileParser.CouldNotParseDockerfile },
        { "# escape=x\nFROM busybox", DockerfileParser.CouldNotParseDockerfile },
        { "# escape=`\n# escape=\\\nFROM busybox", DockerfileParser.CouldNotParseDockerfile },
        { "FROM busybox\nRUN <<EOF\necho never closed", DockerfileParser.CouldNotParseDockerfile },
        { "FROM ${A", DockerfileParser.CouldNotParseDockerfile },
        { "FROM ${}", DockerfileParser.CouldNotParseDockerfile },
        { "FROM \"busybox", DockerfileParser.CouldNotParseDockerfile },
        { "ARG A\nFROM ${A:?set A to a base image}", DockerfileParser.CouldNotParseDockerfile },
        { "ARG =x\nFROM busybox", DockerfileParser.CouldNotParseDockerfile },
        { "FROM " + string.Concat(Enumerable.Repeat("${A:-", 100)) + "x" + new string('}', 100), DockerfileParser.CouldNotParseDockerfile },
    };

    [Theory]
    [MemberData(nameof(Invalid))]
    public void Parse_WhenInvalid_ThrowsWithExactText(string text, string expectedPrefix)
    {
        var e = Assert.Throws<SourceException>(() => DockerfileParser.Parse(text));

        Assert.StartsWith(expectedPrefix, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_WhenMultiStage_ExternalBasesSkipStagesScratchAndDuplicates()
    {
        const string text = """
            ARG GO=1.22
            FROM golang:${GO} AS build
            FROM scratch AS empty
            FROM quay.io/acme/tools AS tools
            FROM golang:1.22 AS again
            FROM BUILD AS copy
            FROM busybox
            COPY --from=tools / /
            """;

        Dockerfile dockerfile = DockerfileParser.Parse(text);

        Assert.Equal(["golang:1.22", "quay.io/acme/tools", "busybox"], dockerfile.ExternalBases.Select(b => b.ToString()));
        Assert.Equal(["build", "empty", "tools", "again", "copy", null], dockerfile.Stages.Select(s => s.Name));
        Assert.Null(dockerfile.Stages[4].Base);
        Assert.Equal("golang", dockerfile.BaseImage!.Name);
        Assert.Equal("1.22", dockerfile.BaseImage.Tag);
    }

    [Fact]
    public void Parse_WhenPlatformArgUsedWithoutDeclaration_UsesHostPlatform()
    {
        Dockerfile dockerfile = DockerfileParser.Parse("FROM busybox:${TARGETOS}-${TARGETARCH}");

        Assert.StartsWith("linux-", dockerfile.BaseImage!.Tag, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_WhenErrorOnLaterLine_NamesTheLine()
    {
        var e = Assert.Throws<SourceException>(() => DockerfileParser.Parse("FROM busybox\n\n\nFROM x y"));

        Assert.Contains("line 4", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("FROM busybox\nRUN echo ")]
    [InlineData("FROM ")]
    [InlineData("RUN ")]
    [InlineData("FROM busybox\nRUN <<EOF ")]
    [InlineData("ARG A=${")]
    [InlineData("# escape=`\nFROM busybox\nRUN `")]
    public void Parse_WhenTenMegabyteSingleLine_FinishesWithinSeconds(string prefix)
    {
        string filler = prefix.EndsWith("${", StringComparison.Ordinal) ? "${A:-" : "a\\";
        var builder = new StringBuilder(prefix, 10 * 1024 * 1024 + 100);
        while (builder.Length < 10 * 1024 * 1024)
        {
            builder.Append(filler);
        }

        var stopwatch = Stopwatch.StartNew();
        try
        {
            DockerfileParser.Parse(builder.ToString());
        }
        catch (SourceException e)
        {
            Assert.True(e.Message.Length < 1000, "an error about a huge line must not repeat the line");
        }

        Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(5), $"took {stopwatch.Elapsed}");
    }

    [Fact]
    public async Task ParseFileAsync_WhenFileReadable_ParsesIt()
    {
        using var tree = new TempTree();
        string path = tree.File("Dockerfile", "\uFEFFARG T=3\nFROM alpine:${T}\n");

        Dockerfile dockerfile = await DockerfileParser.ParseFileAsync(path, CancellationToken.None);

        Assert.Equal("alpine:3", dockerfile.BaseImage!.ToString());
    }

    [Fact]
    public async Task ParseFileAsync_WhenLargerThanLimit_RefusesWithoutReading()
    {
        using var tree = new TempTree();
        string path = tree.File("Dockerfile", "FROM busybox\n");
        using (var stream = File.OpenWrite(path))
        {
            stream.SetLength(DockerfileParser.MaxDockerfileBytes + 1);
        }

        var e = await Assert.ThrowsAsync<SourceException>(() => DockerfileParser.ParseFileAsync(path, CancellationToken.None));

        Assert.StartsWith("Could not parse Dockerfile: it is 32 MiB, more than the 32 MiB", e.Message, StringComparison.Ordinal);
    }
}
