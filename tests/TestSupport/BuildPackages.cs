using System.Formats.Tar;
using System.IO.Compression;
using System.Text;

namespace QuayBuilder.TestSupport;

/// <summary>Makes build packages (tar.gz archives) in memory for the tests and the bench.</summary>
public static class BuildPackages
{
    /// <summary>Regular files in name order; <paramref name="modified"/> gives them one time (a reproducible timestamp), else now.</summary>
    public static byte[] TarGz(IReadOnlyDictionary<string, string> files, DateTimeOffset? modified = null)
    {
        ArgumentNullException.ThrowIfNull(files);
        var time = modified ?? DateTimeOffset.UtcNow;
        return TarGz([.. files.OrderBy(f => f.Key, StringComparer.Ordinal).Select(f => (f.Key, f.Value, time))]);
    }

    /// <summary>Regular files in the order given, each with its own modification time.</summary>
    public static byte[] TarGz(params (string Name, string Content, DateTimeOffset Modified)[] files)
    {
        ArgumentNullException.ThrowIfNull(files);
        using var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.Fastest, leaveOpen: true))
        using (var writer = new TarWriter(gzip, TarEntryFormat.Pax))
        {
            foreach (var (name, content, modified) in files)
            {
                writer.WriteEntry(new PaxTarEntry(TarEntryType.RegularFile, name)
                {
                    DataStream = new MemoryStream(Encoding.UTF8.GetBytes(content)),
                    Mode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead,
                    ModificationTime = modified,
                });
            }
        }

        return output.ToArray();
    }
}
