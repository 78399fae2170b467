using System.Formats.Tar;

namespace QuayBuilder.BuildContext;

/// <summary>
/// Streams a build context to the runtime as a tar, written while the directory is walked:
/// nothing is staged on disk or in memory beyond one entry's copy buffer. Output is
/// deterministic for a given tree (entries depth-first in ordinal name order, owner 0:0), keeps
/// permission bits and symbolic links (as links, never followed), and uses PAX headers so long
/// names survive. The ignore file in the context root decides what is left out; the Dockerfile
/// and the ignore file itself are always sent, as Docker does.
/// </summary>
public static class ContextTarWriter
{
    private const string ContainerIgnore = ".containerignore";
    private const string DockerIgnore = ".dockerignore";

    /// <summary>An ignore file larger than this is refused rather than read into memory.</summary>
    private const long MaxIgnoreFileBytes = 4 * 1024 * 1024;

    // rwx for all plus sticky; setuid/setgid never travel into an image from a build context.
    private const UnixFileMode PermissionBits = (UnixFileMode)0b001_111_111_111;

    public static async Task<ContextTarStats> WriteAsync(ResolvedContext context, Stream output, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(output);
        (IgnoreMatcher matcher, string? ignoreFile) = await ReadIgnoreFileAsync(context.ContextDirectory, cancellationToken).ConfigureAwait(false);
        var walk = new Walk(context, matcher, ignoreFile);
        await using var writer = new TarWriter(output, TarEntryFormat.Pax, leaveOpen: true);
        await walk.RunAsync(writer, cancellationToken).ConfigureAwait(false);
        return walk.Stats;
    }

    /// <summary>
    /// Reads <c>.containerignore</c>, else <c>.dockerignore</c>, from the context root. A symlinked
    /// ignore file is followed only inside the context: its lines can end up in an error message.
    /// </summary>
    internal static async Task<(IgnoreMatcher Matcher, string? FileName)> ReadIgnoreFileAsync(string contextDirectory, CancellationToken cancellationToken)
    {
        foreach (string name in (string[])[ContainerIgnore, DockerIgnore])
        {
            ScopedPath.Result resolved = ScopedPath.Follow(contextDirectory, name);
            if (!resolved.Exists)
            {
                if (new FileInfo(Path.Join(contextDirectory, name)).LinkTarget is not null)
                {
                    throw new SourceException($"The {name} file is a symbolic link to a file that does not exist. Make it a regular file.");
                }

                continue;
            }

            if (!ScopedPath.IsInside(contextDirectory, resolved.Path) || !File.Exists(resolved.Path))
            {
                throw new SourceException(
                    $"The {name} file in the build context is not a regular file inside the context (a symbolic link pointing outside?). Make it a regular file.");
            }

            if (new FileInfo(resolved.Path).Length > MaxIgnoreFileBytes)
            {
                throw new SourceException($"The {name} file is larger than {MaxIgnoreFileBytes / 1024 / 1024} MiB. Shorten it.");
            }

            string text = await File.ReadAllTextAsync(resolved.Path, cancellationToken).ConfigureAwait(false);
            return (IgnoreMatcher.Parse(text, name), name);
        }

        return (IgnoreMatcher.Empty, null);
    }

    private sealed class Walk(ResolvedContext context, IgnoreMatcher matcher, string? ignoreFile)
    {
        private static readonly EnumerationOptions ListOptions = new()
        {
            AttributesToSkip = 0,
            IgnoreInaccessible = false,
            RecurseSubdirectories = false,
            ReturnSpecialDirectories = false,
        };

        private readonly HashSet<string> _dockerfileAncestors = Ancestors(context.DockerfileInContext);
        private long _files;
        private long _bytes;
        private long _excluded;
        private bool _dockerfileSent;

        public ContextTarStats Stats => new(_files, _bytes, _excluded);

        public async Task RunAsync(TarWriter writer, CancellationToken cancellationToken)
        {
            // Depth-first, pre-order: a directory's header precedes its contents, siblings in
            // ordinal order, so the same tree always produces the same byte stream.
            var pending = new Stack<(FileSystemInfo Info, string Relative)>();
            PushChildren(pending, new DirectoryInfo(context.ContextDirectory), string.Empty);
            while (pending.Count > 0)
            {
                cancellationToken.ThrowIfCancellationRequested();
                (FileSystemInfo info, string relative) = pending.Pop();
                bool alwaysSent = relative == context.DockerfileInContext || relative == ignoreFile;
                bool excluded = !alwaysSent && matcher.IsExcluded(relative);
                bool isLink = (info.Attributes & FileAttributes.ReparsePoint) != 0 && info.LinkTarget is not null;
                if (isLink)
                {
                    if (excluded)
                    {
                        _excluded++;
                        continue;
                    }

                    var link = new PaxTarEntry(TarEntryType.SymbolicLink, relative) { LinkName = info.LinkTarget!, Mode = (UnixFileMode)0b111_111_111 };
                    Stamp(link, info);
                    await writer.WriteEntryAsync(link, cancellationToken).ConfigureAwait(false);
                }
                else if (info is DirectoryInfo directory)
                {
                    if (!excluded)
                    {
                        var entry = new PaxTarEntry(TarEntryType.Directory, relative + "/") { Mode = info.UnixFileMode & PermissionBits };
                        Stamp(entry, info);
                        await writer.WriteEntryAsync(entry, cancellationToken).ConfigureAwait(false);
                        PushChildren(pending, directory, relative);
                    }
                    else if (_dockerfileAncestors.Contains(relative) || matcher.MayIncludeInside(relative))
                    {
                        // Walked for the Dockerfile or an exception pattern; the directory itself
                        // stays out, its sent contents recreate it on extraction.
                        PushChildren(pending, directory, relative);
                    }
                    else
                    {
                        _excluded++;
                    }
                }
                else if (excluded)
                {
                    _excluded++;
                }
                else if (info is FileInfo file && IsRegular(file))
                {
                    await WriteFileAsync(writer, file, relative, cancellationToken).ConfigureAwait(false);
                }
                else
                {
                    // FIFOs, sockets and devices have no place in a build context (extraction refuses them too).
                    _excluded++;
                }
            }

            if (!_dockerfileSent)
            {
                throw new SourceException(
                    $"The Dockerfile {ScopedPath.Printable(context.DockerfileInContext)} disappeared from the build context while it was being sent. Retry the build.");
            }
        }

        private async Task WriteFileAsync(TarWriter writer, FileInfo file, string relative, CancellationToken cancellationToken)
        {
            FileStream stream;
            try
            {
                stream = new FileStream(file.FullName, new FileStreamOptions
                {
                    Mode = FileMode.Open,
                    Access = FileAccess.Read,
                    Share = FileShare.ReadWrite | FileShare.Delete,
                    Options = FileOptions.Asynchronous | FileOptions.SequentialScan,
                    BufferSize = 0,
                });
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw Unreadable(relative, e);
            }

            await using (stream.ConfigureAwait(false))
            {
                var entry = new PaxTarEntry(TarEntryType.RegularFile, relative) { Mode = file.UnixFileMode & PermissionBits, DataStream = stream };
                Stamp(entry, file);
                await writer.WriteEntryAsync(entry, cancellationToken).ConfigureAwait(false);
                _files++;
                _bytes += stream.Length;
                _dockerfileSent |= relative == context.DockerfileInContext;
            }
        }

        /// <summary>
        /// .NET exposes no file type beyond file/directory/link, and opening a FIFO blocks. Every
        /// non-regular file (FIFO, socket, device) has st_size 0, so only empty files are probed:
        /// TarWriter's own lstat classifies them, writing a header with no data to a scratch buffer.
        /// </summary>
        private static bool IsRegular(FileInfo file)
        {
            if (file.Length > 0)
            {
                return true;
            }

            try
            {
                using var scratch = new MemoryStream();
                using (var probe = new TarWriter(scratch, TarEntryFormat.Pax, leaveOpen: true))
                {
                    probe.WriteEntry(file.FullName, "probe");
                }

                scratch.Position = 0;
                using var reader = new TarReader(scratch);
                return reader.GetNextEntry()?.EntryType == TarEntryType.RegularFile;
            }
            catch (IOException)
            {
                // Sockets are not representable in tar at all.
                return false;
            }
        }

        private static void Stamp(PaxTarEntry entry, FileSystemInfo info)
        {
            entry.ModificationTime = info.LastWriteTimeUtc;
            entry.Uid = 0;
            entry.Gid = 0;
        }

        private static void PushChildren(Stack<(FileSystemInfo, string)> pending, DirectoryInfo directory, string relative)
        {
            FileSystemInfo[] children;
            try
            {
                children = directory.GetFileSystemInfos("*", ListOptions);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw Unreadable(relative.Length == 0 ? "." : relative, e);
            }

            Array.Sort(children, static (a, b) => string.CompareOrdinal(a.Name, b.Name));
            for (int i = children.Length - 1; i >= 0; i--)
            {
                string childRelative = relative.Length == 0 ? children[i].Name : relative + "/" + children[i].Name;
                pending.Push((children[i], childRelative));
            }
        }

        // Only reading the source is wrapped: a failing output stream (the runtime went away) is
        // the infrastructure's failure and propagates as it is.
        private static SourceException Unreadable(string relative, Exception e) =>
            new($"Could not read {ScopedPath.Printable(relative)} in the build context ({e.Message}). Check its permissions in the source.", e);

        private static HashSet<string> Ancestors(string path)
        {
            var ancestors = new HashSet<string>(StringComparer.Ordinal);
            for (int slash = path.IndexOf('/'); slash >= 0; slash = path.IndexOf('/', slash + 1))
            {
                ancestors.Add(path[..slash]);
            }

            return ancestors;
        }
    }
}
