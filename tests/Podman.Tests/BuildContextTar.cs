using System.Formats.Tar;
using System.Text;

namespace QuayBuilder.Podman.Tests;

/// <summary>Writes an in-memory build context as a tar, the way the worker streams one.</summary>
internal static class BuildContextTar
{
    internal static Func<Stream, CancellationToken, Task> From(IReadOnlyDictionary<string, string> files) =>
        async (stream, ct) =>
        {
            var writer = new TarWriter(stream, TarEntryFormat.Pax, leaveOpen: true);
            await using (writer)
            {
                foreach (var (name, text) in files)
                {
                    var entry = new PaxTarEntry(TarEntryType.RegularFile, name)
                    {
                        DataStream = new MemoryStream(Encoding.UTF8.GetBytes(text)),
                        Mode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead,
                    };
                    await writer.WriteEntryAsync(entry, ct);
                }
            }
        };
}
