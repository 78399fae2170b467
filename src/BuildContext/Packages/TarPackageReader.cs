using System.Formats.Tar;

namespace QuayBuilder.BuildContext;

/// <summary>
/// Our own loop over <see cref="TarReader"/>, rather than <c>TarFile.ExtractToDirectory</c>
/// (about half the throughput here, and it has no limits) or SharpCompress's directory writer
/// (drops exec bits, breaks hard links, turns devices into files). Every member goes through
/// <see cref="ExtractionTarget"/>; the first refused member ends the extraction.
/// </summary>
internal static class TarPackageReader
{
    private const long MaxTrailer = 1024 * 1024;

    public static async Task ExtractAsync(Stream tar, ExtractionTarget target, CancellationToken cancellationToken)
    {
        var reader = new TarReader(tar, leaveOpen: true);
        await using (reader.ConfigureAwait(false))
        {
            while (await reader.GetNextEntryAsync(copyData: false, cancellationToken).ConfigureAwait(false) is { } entry)
            {
                await ExtractEntryAsync(entry, target, cancellationToken).ConfigureAwait(false);
            }
        }

        await DrainTrailerAsync(tar, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// TarReader stops at the first end-of-archive block. Reading on to the end of the stream
    /// (record padding, the gzip trailer) is what lets a download cut short after the last
    /// member be noticed: the HTTP body then ends before its Content-Length and throws. Junk
    /// beyond <see cref="MaxTrailer"/> is ignored, as GNU tar ignores it.
    /// </summary>
    private static async Task DrainTrailerAsync(Stream tar, CancellationToken cancellationToken)
    {
        var buffer = new byte[16 * 1024];
        long drained = 0;
        int read;
        while (drained < MaxTrailer && (read = await tar.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
        {
            drained += read;
        }
    }

    private static async Task ExtractEntryAsync(TarEntry entry, ExtractionTarget target, CancellationToken cancellationToken)
    {
        if (entry.EntryType == TarEntryType.GlobalExtendedAttributes)
        {
            // Metadata for the following members, no file of its own; still counted, so
            // millions of them cannot slip past PACKAGE_MAX_ENTRIES.
            target.Accept("(global extended header)");
            return;
        }

        var path = target.Accept(entry.Name);
        var mode = (int)entry.Mode;
        switch (entry.EntryType)
        {
            case TarEntryType.Directory:
                target.CreateDirectory(entry.Name, path, mode);
                break;
            case TarEntryType.RegularFile or TarEntryType.V7RegularFile or TarEntryType.ContiguousFile:
                await target.WriteFileAsync(
                    entry.Name, path, mode, entry.ModificationTime, entry.Length, entry.DataStream ?? Stream.Null, cancellationToken)
                    .ConfigureAwait(false);
                break;
            case TarEntryType.SymbolicLink:
                target.CreateSymbolicLink(entry.Name, path, entry.LinkName);
                break;
            case TarEntryType.HardLink:
                target.CreateHardLink(entry.Name, path, entry.LinkName);
                break;
            case TarEntryType.CharacterDevice or TarEntryType.BlockDevice:
                throw EntryName.Refused(entry.Name, "it is a device node; a build context may hold only files, directories and links");
            case TarEntryType.Fifo:
                throw EntryName.Refused(entry.Name, "it is a FIFO; a build context may hold only files, directories and links");
            default:
                throw EntryName.Refused(entry.Name, $"its tar entry type {entry.EntryType} is not supported in a build package");
        }
    }
}
