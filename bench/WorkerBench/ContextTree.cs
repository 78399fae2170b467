using System.Formats.Tar;
using System.IO.Compression;
using System.Text;

namespace QuayBuilder.WorkerBench;

/// <summary>
/// Generated build contexts: <c>keep/</c> and <c>drop/</c> halves of equal size, files of
/// incompressible pseudo-random bytes (so gzip cannot shrink the transfer), and packages made
/// from them. A tree is generated once per shape and reused by later runs.
/// </summary>
internal static class ContextTree
{
    private const int FilesPerDirectory = 100;

    /// <summary>Makes (or reuses) a tree of <paramref name="files"/> files of <paramref name="fileBytes"/> bytes each, half under keep/, half under drop/.</summary>
    public static string Ensure(string parent, int files, int fileBytes)
    {
        var root = Path.Combine(parent, $"context-{files}x{fileBytes}");
        var complete = root + ".complete";
        if (File.Exists(complete))
        {
            return root;
        }

        if (Directory.Exists(root))
        {
            Directory.Delete(root, recursive: true);
        }

        Console.WriteLine($"  generating {files:N0} files of {fileBytes:N0} bytes under {root} ...");
        var random = new Random(9);
        var buffer = new byte[fileBytes];
        for (int i = 0; i < files; i++)
        {
            var half = i < files / 2 ? "keep" : "drop";
            var directory = Path.Combine(root, half, $"d{i / FilesPerDirectory:D4}");
            Directory.CreateDirectory(directory);
            random.NextBytes(buffer);
            File.WriteAllBytes(Path.Combine(directory, $"f{i:D6}.bin"), buffer);
        }

        File.WriteAllText(complete, "generated\n");
        return root;
    }

    /// <summary>The tree as a .tar.gz build package whose root also holds <paramref name="dockerfile"/> (and nothing else added).</summary>
    public static byte[] Package(string root, string dockerfile, string? dockerignore = null)
    {
        using var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.Fastest, leaveOpen: true))
        using (var writer = new TarWriter(gzip, TarEntryFormat.Pax))
        {
            AddText(writer, "Dockerfile", dockerfile);
            if (dockerignore is not null)
            {
                AddText(writer, ".dockerignore", dockerignore);
            }

            foreach (var path in Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
            {
                var name = Path.GetRelativePath(root, path);
                if (name is "Dockerfile" or ".dockerignore")
                {
                    continue;
                }

                writer.WriteEntry(path, name);
            }
        }

        return output.ToArray();
    }

    /// <summary>A small package: a Dockerfile and named text files.</summary>
    public static byte[] Package(string dockerfile) => Package(EmptyDirectory.Value, dockerfile);

    private static readonly Lazy<string> EmptyDirectory = new(() => Directory.CreateTempSubdirectory("qb-bench-empty-").FullName);

    private static void AddText(TarWriter writer, string name, string content)
    {
        writer.WriteEntry(new PaxTarEntry(TarEntryType.RegularFile, name)
        {
            DataStream = new MemoryStream(Encoding.UTF8.GetBytes(content)),
            Mode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead,
        });
    }

    public static long FileBytes(string directory) =>
        Directory.Exists(directory) ? Directory.EnumerateFiles(directory, "*", SearchOption.AllDirectories).Sum(f => new FileInfo(f).Length) : 0;
}
