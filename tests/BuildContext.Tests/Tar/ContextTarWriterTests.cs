using System.Formats.Tar;
using System.IO.Pipelines;
using QuayBuilder.BuildContext;

namespace QuayBuilder.BuildContext.Tests.Context;

[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class ContextTarWriterTests : IDisposable
{
    private readonly TempTree _tree = new();

    public void Dispose() => _tree.Dispose();

    [Fact]
    public async Task WriteAsync_WhenFilesHaveModes_KeepsPermissionBitsAndDropsSetuid()
    {
        _tree.File("Dockerfile");
        File.SetUnixFileMode(_tree.File("run.sh", "#!/bin/sh\n"), (UnixFileMode)0b111_101_101);
        File.SetUnixFileMode(_tree.File("secret.txt", "s"), (UnixFileMode)0b110_000_000);
        File.SetUnixFileMode(_tree.File("suid", "x"), (UnixFileMode)0b110_111_101_101);
        File.SetUnixFileMode(_tree.Dir("private"), (UnixFileMode)0b111_101_000);

        Dictionary<string, TarEntry> entries = await WriteAndReadAsync();

        Assert.Equal((UnixFileMode)0b111_101_101, entries["run.sh"].Mode);
        Assert.Equal((UnixFileMode)0b110_000_000, entries["secret.txt"].Mode);
        Assert.Equal((UnixFileMode)0b111_101_101, entries["suid"].Mode);
        Assert.Equal(TarEntryType.Directory, entries["private/"].EntryType);
        Assert.Equal((UnixFileMode)0b111_101_000, entries["private/"].Mode);
        Assert.All(entries.Values, e => Assert.Equal(0, e.Uid));
    }

    [Fact]
    public async Task WriteAsync_WhenSymlinksPresent_SendsThemAsLinksNotTargets()
    {
        _tree.File("Dockerfile");
        _tree.File("real.txt", "real");
        _tree.Link("rel-link", "real.txt");
        _tree.Link("passwd", "/etc/passwd");
        _tree.Link("dirlink", "/etc");

        Dictionary<string, TarEntry> entries = await WriteAndReadAsync();

        Assert.Equal(TarEntryType.SymbolicLink, entries["rel-link"].EntryType);
        Assert.Equal("real.txt", entries["rel-link"].LinkName);
        Assert.Equal(TarEntryType.SymbolicLink, entries["passwd"].EntryType);
        Assert.Equal("/etc/passwd", entries["passwd"].LinkName);
        Assert.Equal(0, entries["passwd"].Length);
        Assert.Equal(TarEntryType.SymbolicLink, entries["dirlink"].EntryType);
        Assert.DoesNotContain(entries.Keys, k => k.StartsWith("dirlink/", StringComparison.Ordinal));
    }

    [Fact]
    public async Task WriteAsync_WhenNamesLong_UsesPaxAndKeepsFullNames()
    {
        _tree.File("Dockerfile");
        string longDir = string.Join('/', Enumerable.Repeat(new string('d', 60), 4));
        string longName = longDir + "/" + new string('f', 200) + ".txt";
        _tree.File(longName, "long");
        _tree.Link(longDir + "/" + new string('l', 150), new string('t', 180));

        Dictionary<string, TarEntry> entries = await WriteAndReadAsync();

        Assert.Equal("long", await ReadTextAsync(entries[longName]));
        Assert.Equal(new string('t', 180), entries[longDir + "/" + new string('l', 150)].LinkName);
        Assert.All(entries.Values, e => Assert.Equal(TarEntryFormat.Pax, e.Format));
    }

    [Fact]
    public async Task WriteAsync_WhenIgnoreFileListsThings_ExcludesThemButAlwaysSendsDockerfileAndIgnoreFile()
    {
        _tree.File("docker/Dockerfile", "FROM busybox\n");
        _tree.File("docker/other.txt", "o");
        _tree.File("app.log", "log");
        _tree.File("sub/deep/debug.log", "log");
        _tree.File("src/main.c", "int main;");
        _tree.File(".dockerignore", "**/*.log\ndocker\n.dockerignore\nDockerfile\n");
        var context = new ResolvedContext(_tree.Root, _tree.Root, Path.Join(_tree.Root, "docker/Dockerfile"), "docker/Dockerfile");

        (Dictionary<string, TarEntry> entries, ContextTarStats stats) = await WriteAndReadWithStatsAsync(context);

        Assert.Equal([".dockerignore", "docker/Dockerfile", "src/", "src/main.c", "sub/", "sub/deep/"], entries.Keys.Reverse());
        Assert.Equal("FROM busybox\n", await ReadTextAsync(entries["docker/Dockerfile"]));
        Assert.Equal(3, stats.Files);
        Assert.Equal(13 + 9 + "**/*.log\ndocker\n.dockerignore\nDockerfile\n".Length, stats.Bytes);
        Assert.Equal(3, stats.ExcludedEntries);
    }

    [Fact]
    public async Task WriteAsync_WhenBothIgnoreFilesExist_ContainerignoreWins()
    {
        _tree.File("Dockerfile");
        _tree.File("a.txt", "a");
        _tree.File("b.txt", "b");
        _tree.File(".containerignore", "a.txt\n");
        _tree.File(".dockerignore", "b.txt\n.dockerignore\n");

        Dictionary<string, TarEntry> entries = await WriteAndReadAsync();

        Assert.DoesNotContain("a.txt", entries.Keys);
        Assert.Contains("b.txt", entries.Keys);
        Assert.Contains(".dockerignore", entries.Keys);
        Assert.Contains(".containerignore", entries.Keys);
    }

    [Fact]
    public async Task WriteAsync_WhenDirectoryExcludedWithoutExceptions_DoesNotWalkIt()
    {
        _tree.File("Dockerfile");
        for (int i = 0; i < 50; i++)
        {
            _tree.File($"node_modules/pkg{i}/index.js", "x");
        }

        _tree.File(".dockerignore", "node_modules\n");

        (Dictionary<string, TarEntry> entries, ContextTarStats stats) = await WriteAndReadWithStatsAsync(Context());

        Assert.DoesNotContain(entries.Keys, k => k.StartsWith("node_modules", StringComparison.Ordinal));
        Assert.Equal(1, stats.ExcludedEntries);
    }

    [Fact]
    public async Task WriteAsync_WhenExceptionInsideExcludedDirectory_SendsOnlyTheException()
    {
        _tree.File("Dockerfile");
        _tree.File("build/keep.txt", "k");
        _tree.File("build/drop.txt", "d");
        _tree.File("build/sub/drop.txt", "d");
        _tree.File(".dockerignore", "build\n!build/keep.txt\n");

        (Dictionary<string, TarEntry> entries, ContextTarStats stats) = await WriteAndReadWithStatsAsync(Context());

        Assert.Contains("build/keep.txt", entries.Keys);
        Assert.DoesNotContain("build/drop.txt", entries.Keys);
        Assert.DoesNotContain("build/", entries.Keys);
        Assert.DoesNotContain(entries.Keys, k => k.StartsWith("build/sub", StringComparison.Ordinal));
        Assert.Equal(2, stats.ExcludedEntries);
    }

    [Fact]
    public async Task WriteAsync_WhenRunTwice_ProducesIdenticalBytesInOrdinalOrder()
    {
        _tree.File("Dockerfile");
        _tree.File("b.txt", "b");
        _tree.File("B.txt", "B");
        _tree.File("a/z.txt", "z");
        _tree.File("a.txt", "a");
        _tree.File("_x", "x");

        byte[] first = await WriteToBytesAsync(Context());
        byte[] second = await WriteToBytesAsync(Context());
        Dictionary<string, TarEntry> entries = await ReadAsync(first);

        Assert.Equal(first, second);
        Assert.Equal(["B.txt", "Dockerfile", "_x", "a/", "a/z.txt", "a.txt", "b.txt"], entries.Keys.Reverse());
    }

    [Fact]
    public async Task WriteAsync_WhenFifoInContext_SkipsItWithoutBlocking()
    {
        _tree.File("Dockerfile");
        _tree.File("empty.txt", string.Empty);
        string fifo = Path.Join(_tree.Root, "pipe");
        using (var mkfifo = System.Diagnostics.Process.Start("mkfifo", [fifo]))
        {
            await mkfifo.WaitForExitAsync();
            Assert.Equal(0, mkfifo.ExitCode);
        }

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        (Dictionary<string, TarEntry> entries, ContextTarStats stats) = await WriteAndReadWithStatsAsync(Context(), timeout.Token);

        Assert.DoesNotContain("pipe", entries.Keys);
        Assert.Equal(TarEntryType.RegularFile, entries["empty.txt"].EntryType);
        Assert.Equal(1, stats.ExcludedEntries);
    }

    [Fact]
    public async Task WriteAsync_WhenIgnoreFileIsSymlinkOutside_Refuses()
    {
        _tree.File("Dockerfile");
        _tree.Link(".dockerignore", "/etc/passwd");

        var e = await Assert.ThrowsAsync<SourceException>(() => ContextTarWriter.WriteAsync(Context(), Stream.Null, CancellationToken.None));

        Assert.StartsWith("The .dockerignore file in the build context is not a regular file inside the context", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task WriteAsync_WhenTenThousandFiles_StreamsBeforeTheWalkEnds()
    {
        _tree.File("Dockerfile");
        for (int d = 0; d < 100; d++)
        {
            string dir = _tree.Dir($"d{d:000}");
            for (int f = 0; f < 100; f++)
            {
                await File.WriteAllTextAsync(Path.Join(dir, $"f{f:000}"), "0123456789");
            }
        }

        // A pipe that holds at most 64 KiB: the writer can only finish if the reader keeps
        // draining, and the reader must see entries while the writer is still running.
        var pipe = new Pipe(new PipeOptions(pauseWriterThreshold: 64 * 1024, resumeWriterThreshold: 32 * 1024));
        Task<ContextTarStats> writing = Task.Run(async () =>
        {
            try
            {
                return await ContextTarWriter.WriteAsync(Context(), pipe.Writer.AsStream(), CancellationToken.None);
            }
            finally
            {
                await pipe.Writer.CompleteAsync();
            }
        });

        int entries = 0;
        bool sawEntryWhileWriting = false;
        await using (var reader = new TarReader(pipe.Reader.AsStream()))
        {
            while (await reader.GetNextEntryAsync() is { } entry)
            {
                entries++;
                sawEntryWhileWriting |= entries == 1 && !writing.IsCompleted;
            }
        }

        ContextTarStats stats = await writing;
        Assert.True(sawEntryWhileWriting, "the first entry arrived only after the whole tar was written");
        Assert.Equal(10_001 + 100, entries);
        Assert.Equal(10_001, stats.Files);
        Assert.Equal(100_000 + "FROM busybox\n".Length, stats.Bytes);
    }

    private ResolvedContext Context() =>
        new(_tree.Root, _tree.Root, Path.Join(_tree.Root, "Dockerfile"), "Dockerfile");

    private async Task<Dictionary<string, TarEntry>> WriteAndReadAsync() => (await WriteAndReadWithStatsAsync(Context())).Entries;

    private static async Task<(Dictionary<string, TarEntry> Entries, ContextTarStats Stats)> WriteAndReadWithStatsAsync(
        ResolvedContext context, CancellationToken cancellationToken = default)
    {
        using var buffer = new MemoryStream();
        ContextTarStats stats = await ContextTarWriter.WriteAsync(context, buffer, cancellationToken);
        return (await ReadAsync(buffer.ToArray()), stats);
    }

    private static async Task<byte[]> WriteToBytesAsync(ResolvedContext context)
    {
        using var buffer = new MemoryStream();
        await ContextTarWriter.WriteAsync(context, buffer, CancellationToken.None);
        return buffer.ToArray();
    }

    // Entries keyed by name; Keys.Reverse() gives tar order because each entry is inserted at the front.
    private static async Task<Dictionary<string, TarEntry>> ReadAsync(byte[] tar)
    {
        var ordered = new List<KeyValuePair<string, TarEntry>>();
        await using var reader = new TarReader(new MemoryStream(tar));
        while (await reader.GetNextEntryAsync(copyData: true) is { } entry)
        {
            ordered.Insert(0, new(entry.Name, entry));
        }

        return new Dictionary<string, TarEntry>(ordered);
    }

    private static async Task<string> ReadTextAsync(TarEntry entry)
    {
        using var reader = new StreamReader(entry.DataStream!);
        return await reader.ReadToEndAsync();
    }
}
