using System.Formats.Tar;
using System.IO.Compression;
using System.Text;

namespace QuayBuilder.Bench.Extraction;

/// <summary>
/// Writes a deterministic tar.gz of source-like text files: <c>files</c> files in
/// directories of 100, sizes uniform in [0, 2 × average), every tenth executable.
/// </summary>
internal static class ArchiveGenerator
{
    public static long Write(string path, int files, int averageSize)
    {
        var random = new Random(20261127);
        var pool = TextPool(random, 4 << 20);
        long total = 0;
        var temporary = path + ".partial";
        using (var output = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 20))
        using (var gzip = new GZipStream(output, CompressionLevel.Optimal))
        using (var writer = new TarWriter(gzip, TarEntryFormat.Pax))
        {
            for (var i = 0; i < files; i++)
            {
                if (i % 100 == 0)
                {
                    writer.WriteEntry(new PaxTarEntry(TarEntryType.Directory, $"src/d{i / 100:D4}/") { Mode = (UnixFileMode)0x1ED });
                }

                var size = random.Next(0, 2 * averageSize);
                var offset = random.Next(0, pool.Length - size);
                var entry = new PaxTarEntry(TarEntryType.RegularFile, $"src/d{i / 100:D4}/file{i:D6}.txt")
                {
                    Mode = (UnixFileMode)(i % 10 == 0 ? 0x1ED : 0x1A4),
                    ModificationTime = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero),
                    DataStream = new MemoryStream(pool, offset, size, writable: false),
                };
                writer.WriteEntry(entry);
                total += size;
            }

            var dockerfile = Encoding.UTF8.GetBytes("FROM busybox\nCOPY . /src\n");
            writer.WriteEntry(new PaxTarEntry(TarEntryType.RegularFile, "Dockerfile") { Mode = (UnixFileMode)0x1A4, DataStream = new MemoryStream(dockerfile) });
            total += dockerfile.Length;
        }

        File.Move(temporary, path, overwrite: true);
        return total;
    }

    /// <summary>Random words from a fixed vocabulary: compresses about like source code (3–4×).</summary>
    private static byte[] TextPool(Random random, int length)
    {
        var vocabulary = Enumerable.Range(0, 4000)
            .Select(_ => new string(Enumerable.Range(0, random.Next(2, 11)).Select(_ => (char)random.Next('a', 'z' + 1)).ToArray()))
            .ToArray();
        var builder = new StringBuilder(length + 16);
        while (builder.Length < length)
        {
            builder.Append(vocabulary[random.Next(vocabulary.Length)]);
            builder.Append(random.Next(12) == 0 ? '\n' : ' ');
        }

        return Encoding.ASCII.GetBytes(builder.ToString(0, length));
    }
}
