using System.IO.Compression;
using System.Text;

namespace QuayBuilder.BuildContext;

/// <summary>
/// Extracts a zip from a local file (a zip's central directory is at its end, so it cannot be
/// streamed). Unix modes and symlinks come from the upper half of the external attributes,
/// as Info-ZIP writes them; archives from other tools get 0644 files and 0755 directories.
/// </summary>
internal static class ZipPackageReader
{
    private const int TypeMask = 0xF000;
    private const int TypeDirectory = 0x4000;
    private const int TypeRegular = 0x8000;
    private const int TypeSymlink = 0xA000;
    private const int MaxSymlinkTarget = 4096;

    public static async Task ExtractAsync(string zipPath, ExtractionTarget target, CancellationToken cancellationToken)
    {
        var file = new FileStream(zipPath, FileMode.Open, FileAccess.Read, FileShare.Read, 64 * 1024, FileOptions.Asynchronous);
        await using (file.ConfigureAwait(false))
        {
            ZipArchive archive;
            try
            {
                archive = await ZipArchive.CreateAsync(file, ZipArchiveMode.Read, leaveOpen: true, entryNameEncoding: null, cancellationToken)
                    .ConfigureAwait(false);
            }
            catch (InvalidDataException e)
            {
                throw new SourceException(
                    $"The build package is not a readable zip archive: its central directory is missing or damaged ({e.Message}). " +
                    "Upload the archive again.", e);
            }

            await using (archive.ConfigureAwait(false))
            {
                // The central directory says how many members there are: refuse before writing any.
                target.CheckEntryCount(archive.Entries.Count, count => archive.Entries[count].FullName);

                foreach (var entry in archive.Entries)
                {
                    await ExtractEntryAsync(entry, target, cancellationToken).ConfigureAwait(false);
                }
            }
        }
    }

    private static async Task ExtractEntryAsync(ZipArchiveEntry entry, ExtractionTarget target, CancellationToken cancellationToken)
    {
        // Zip tools on Windows write '\' separators; treat them as separators so "..\..\x"
        // is refused like "../../x" instead of becoming an odd file name.
        var name = entry.FullName.Replace('\\', '/');
        var path = target.Accept(name);
        var unixMode = (entry.ExternalAttributes >> 16) & 0xFFFF;
        var type = unixMode & TypeMask;
        if (name.EndsWith('/') || type == TypeDirectory)
        {
            target.CreateDirectory(name, path, unixMode == 0 ? 0x1ED : unixMode);
            return;
        }

        if (type == TypeSymlink)
        {
            if (entry.Length > MaxSymlinkTarget)
            {
                throw EntryName.Refused(name, "it is a symlink with an implausibly long target");
            }

            var data = await entry.OpenAsync(cancellationToken).ConfigureAwait(false);
            await using (data.ConfigureAwait(false))
            {
                using var reader = new StreamReader(data, Encoding.UTF8);
                var linkTarget = await reader.ReadToEndAsync(cancellationToken).ConfigureAwait(false);
                target.CreateSymbolicLink(name, path, linkTarget);
            }

            return;
        }

        if (type != 0 && type != TypeRegular)
        {
            throw EntryName.Refused(name, "it is a device node, FIFO or socket; a build context may hold only files, directories and links");
        }

        var content = await entry.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using (content.ConfigureAwait(false))
        {
            await target.WriteFileAsync(name, path, unixMode == 0 ? 0x1A4 : unixMode, entry.LastWriteTime, entry.Length, content, cancellationToken)
                .ConfigureAwait(false);
        }
    }
}
