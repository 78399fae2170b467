using System.Formats.Tar;
using QuayBuilder.BuildContext;

namespace QuayBuilder.BuildContext.Tests.Context;

/// <summary>The committed corpus under TestData/context: broken and valid Dockerfiles, and a source tree.</summary>
public sealed class SourceFixtureTests
{
    private static readonly string Fixtures = Path.Join(AppContext.BaseDirectory, "TestData", "context");

    public static TheoryData<string, string> Corpus()
    {
        var data = new TheoryData<string, string>();
        foreach (string line in File.ReadAllLines(Path.Join(Fixtures, "dockerfiles", "expected.tsv")))
        {
            if (line.Length > 0 && !line.StartsWith('#'))
            {
                string[] parts = line.Split('\t');
                data.Add(parts[0], parts[1]);
            }
        }

        return data;
    }

    [Fact]
    public void Corpus_WhenListed_CoversEveryFixtureFile()
    {
        string[] files = Directory.GetFiles(Path.Join(Fixtures, "dockerfiles"), "*.Dockerfile").Select(Path.GetFileName).ToArray()!;

        Assert.Equal(files.Order(StringComparer.Ordinal), Corpus().Select(row => (string)row[0]).Order(StringComparer.Ordinal));
    }

    [Theory]
    [MemberData(nameof(Corpus))]
    public void Parse_WhenCorpusFile_GivesExpectedOutcome(string file, string expected)
    {
        string text = File.ReadAllText(Path.Join(Fixtures, "dockerfiles", file));

        if (expected.StartsWith("error:", StringComparison.Ordinal))
        {
            var e = Assert.Throws<SourceException>(() => DockerfileParser.Parse(text));
            Assert.StartsWith(expected["error:".Length..], e.Message, StringComparison.Ordinal);
        }
        else
        {
            string[] parts = expected["base:".Length..].Split('|');
            Dockerfile dockerfile = DockerfileParser.Parse(text);
            Assert.Equal(parts[0], dockerfile.BaseImage?.ToString());
            Assert.Equal(parts[1].Split(','), dockerfile.ExternalBases.Select(b => b.ToString()));
        }
    }

    [Fact]
    public async Task SourceTree_WhenContextIsSubdirectory_SendsListedDockerfileAndDropsLogs()
    {
        string source = Path.Join(Fixtures, "sources", "app");

        ResolvedContext resolved = BuildContextResolver.Resolve(source, "/web", "docker/Dockerfile.prod");
        Dockerfile dockerfile = DockerfileParser.Parse(await File.ReadAllTextAsync(resolved.DockerfilePath));
        using var tar = new MemoryStream();
        ContextTarStats stats = await ContextTarWriter.WriteAsync(resolved, tar, CancellationToken.None);
        tar.Position = 0;
        var names = new List<string>();
        await using (var reader = new TarReader(tar))
        {
            while (await reader.GetNextEntryAsync() is { } entry)
            {
                names.Add(entry.Name);
            }
        }

        Assert.Equal("docker/Dockerfile.prod", resolved.DockerfileInContext);
        Assert.Equal("127.0.0.1:5000/library/busybox:latest", dockerfile.BaseImage!.ToString());
        Assert.True(dockerfile.BaseImage.IsHostedOn("127.0.0.1:5000"));
        Assert.Equal([".dockerignore", "docker/Dockerfile.prod", "logs/", "static/", "static/index.html"], names);
        Assert.Equal(2, stats.ExcludedEntries);
    }
}
