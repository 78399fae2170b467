using Microsoft.Win32.SafeHandles;

namespace QuayBuilder.BuildContext;

/// <summary>
/// The extraction root and every write into it. All members of every package kind go
/// through here, so the safety rules live in one place:
/// <list type="bullet">
/// <item>the root starts empty, so everything below it was created by this instance;</item>
/// <item><see cref="directories"/> holds exactly the real directories created so far, and a
/// directory is never replaced, so a path whose parent is in the set cannot lead through a
/// symlink or out of the root;</item>
/// <item>a parent component not in the set is created with <c>mkdir</c>, which fails when
/// anything (a file, or a symlink to anywhere) is already there: that member is refused;</item>
/// <item>files are opened with O_CREAT|O_EXCL, so an existing symlink at the final component
/// is never followed; a duplicate member first unlinks the earlier file or link.</item>
/// </list>
/// Byte and entry limits are counted as data is written, so a bomb stops at the limit.
/// </summary>
internal sealed class ExtractionTarget
{
    /// <summary>Permission bits kept; setuid, setgid and sticky are dropped.</summary>
    private const int PermissionBits = 0x1FF;

    private const long PreallocateFrom = 1024 * 1024;

    private readonly string _root;
    private readonly SourceLimits _limits;
    private readonly HashSet<string> _directories = new(StringComparer.Ordinal) { string.Empty };
    private readonly List<(string Path, UnixFileMode Mode)> _directoryModes = [];
    private readonly byte[] _buffer = new byte[128 * 1024];

    public ExtractionTarget(string root, SourceLimits limits)
    {
        _root = Path.TrimEndingDirectorySeparator(Path.GetFullPath(root));
        _limits = limits;
    }

    public long Bytes { get; private set; }

    public long Entries { get; private set; }

    /// <summary>The newest modification time of the regular files written so far; null if none had one.</summary>
    public DateTimeOffset? NewestFileTime { get; private set; }

    /// <summary>Members whose setuid, setgid or sticky bit was dropped.</summary>
    public long SpecialBitsDropped { get; private set; }

    /// <summary>Counts one member against <see cref="SourceLimits.MaxEntries"/> and returns its safe relative path.</summary>
    public string Accept(string rawName)
    {
        Entries++;
        if (Entries > _limits.MaxEntries)
        {
            throw TooManyEntries(rawName);
        }

        return EntryName.Normalize(rawName, _limits.MaxPathLength);
    }

    /// <summary>
    /// For formats that announce their member count up front (zip): refuses before anything
    /// is written. <paramref name="nameAt"/> gives the name of the member at an index.
    /// </summary>
    public void CheckEntryCount(int count, Func<int, string> nameAt)
    {
        if (count > _limits.MaxEntries)
        {
            throw TooManyEntries(nameAt((int)_limits.MaxEntries));
        }
    }

    public void CreateDirectory(string rawName, string path, int mode)
    {
        if (path.Length == 0)
        {
            // "./": the root itself. Its mode is the worker's business, not the package's.
            return;
        }

        EnsureDirectory(rawName, path);
        _directoryModes.Add((path, KeepPermissions(mode)));
    }

    /// <summary>
    /// Writes a regular file. <paramref name="declaredLength"/> (from the member's header, -1 if
    /// unknown) lets an oversized member fail before any of it is written; the bytes actually
    /// written are counted too, because a header can lie and a Dockerfile has no header.
    /// </summary>
    public async Task WriteFileAsync(
        string rawName, string path, int mode, DateTimeOffset? modified, long declaredLength, Stream data, CancellationToken cancellationToken)
    {
        var fullPath = PrepareLeaf(rawName, path);
        if (declaredLength > 0 && Bytes + declaredLength > _limits.MaxTotalBytes)
        {
            throw TooManyBytes(rawName);
        }

        using var handle = Replace(rawName, fullPath, () => File.OpenHandle(
            fullPath,
            FileMode.CreateNew,
            FileAccess.Write,
            // Not FileShare.None: .NET would take and drop a flock(2) per file, two syscalls
            // that protect nothing here (the directory is fresh and ours alone).
            FileShare.ReadWrite | FileShare.Delete,
            FileOptions.None,
            declaredLength >= PreallocateFrom ? declaredLength : 0));

        long offset = 0;
        int read;
        while ((read = await data.ReadAsync(_buffer, cancellationToken).ConfigureAwait(false)) > 0)
        {
            if (Bytes + read > _limits.MaxTotalBytes)
            {
                throw TooManyBytes(rawName);
            }

            // Synchronous on purpose: a local write lands in the page cache; an async one
            // would only add a thread-pool hop per 128 KiB.
            WriteOrExplain(rawName, handle, offset, read);
            offset += read;
            Bytes += read;
        }

        var permissions = KeepPermissions(mode);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(handle, permissions);
        }

        if (modified is { } time)
        {
            File.SetLastWriteTimeUtc(handle, time.UtcDateTime);
            if (NewestFileTime is not { } newest || time > newest)
            {
                NewestFileTime = time;
            }
        }
    }

    public void CreateSymbolicLink(string rawName, string path, string target)
    {
        if (target.Length > 0 && target[0] == '/')
        {
            throw EntryName.Refused(rawName, $"it is a symlink to the absolute path '{EntryName.Display(target)}', outside the build context");
        }

        if (target.Length == 0 || target.Contains('\0', StringComparison.Ordinal))
        {
            // Found by fuzzing (fuzz/corpus/archive/regress-zip-symlink-target-nul.zip).
            throw EntryName.Refused(rawName, "it is a symlink with an empty target or a NUL character in it");
        }

        if (EntryName.ResolveLinkTarget(path, target) is null)
        {
            throw EntryName.Refused(rawName, $"it is a symlink to '{EntryName.Display(target)}', which points outside the build context");
        }

        var fullPath = PrepareLeaf(rawName, path);
        Replace(rawName, fullPath, () => File.CreateSymbolicLink(fullPath, target));
    }

    /// <summary>Hard links may only point at a regular file extracted earlier from the same package.</summary>
    public void CreateHardLink(string rawName, string path, string target)
    {
        string targetPath;
        try
        {
            targetPath = EntryName.Normalize(target, _limits.MaxPathLength);
        }
        catch (SourceException)
        {
            throw EntryName.Refused(rawName, $"it is a hard link to '{EntryName.Display(target)}', outside the build context");
        }

        var parent = ParentOf(targetPath);
        var fullTarget = Path.Join(_root, targetPath);
        var info = new FileInfo(fullTarget);
        if (targetPath.Length == 0 || _directories.Contains(targetPath) || !_directories.Contains(parent)
            || !info.Exists || info.LinkTarget is not null)
        {
            throw EntryName.Refused(rawName, $"it is a hard link to '{EntryName.Display(target)}', which is not a file extracted earlier from this package");
        }

        var fullPath = PrepareLeaf(rawName, path);
        Replace(rawName, fullPath, () =>
        {
            var errno = LibC.CreateHardLink(fullTarget, fullPath);
            if (errno != 0)
            {
                throw new IOException(LibC.Describe(errno), errno);
            }

            return 0;
        });
    }

    /// <summary>Applies the directories' own modes last, so a read-only directory did not block its members.</summary>
    public void Finish()
    {
        foreach (var (path, mode) in _directoryModes.OrderByDescending(d => d.Path.Count(c => c == '/')))
        {
            if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(Path.Join(_root, path), mode);
            }
        }
    }

    private static string ParentOf(string path)
    {
        var slash = path.LastIndexOf('/');
        return slash < 0 ? string.Empty : path[..slash];
    }

    private UnixFileMode KeepPermissions(int mode)
    {
        if ((mode & ~PermissionBits & 0xFFF) != 0)
        {
            SpecialBitsDropped++;
        }

        return (UnixFileMode)(mode & PermissionBits);
    }

    /// <summary>Checks the final component and creates the parents; returns the full path.</summary>
    private string PrepareLeaf(string rawName, string path)
    {
        if (path.Length == 0 || _directories.Contains(path))
        {
            throw EntryName.Refused(rawName, "it would replace a directory with a file or link");
        }

        EnsureDirectory(rawName, ParentOf(path));
        return Path.Join(_root, path);
    }

    private void EnsureDirectory(string rawName, string path)
    {
        if (_directories.Contains(path))
        {
            return;
        }

        EnsureDirectory(rawName, ParentOf(path));
        var errno = LibC.CreateDirectory(Path.Join(_root, path), 0x1FF);
        if (errno == LibC.EEXIST)
        {
            throw EntryName.Refused(
                rawName, $"'{EntryName.Display(path)}' is already a file or symlink in the package, and nothing is ever written through one");
        }

        if (errno != 0)
        {
            throw new SourceException(
                $"Could not create the directory for build package entry '{EntryName.Display(rawName)}': {LibC.Describe(errno)}.");
        }

        _directories.Add(path);
    }

    /// <summary>
    /// Runs <paramref name="create"/>; if the path is taken by an earlier file or link of the
    /// same package (never a directory: <see cref="PrepareLeaf"/> refused those), unlinks it
    /// and tries once more, as tar does for a member that appears twice.
    /// </summary>
    private static T Replace<T>(string rawName, string fullPath, Func<T> create)
    {
        try
        {
            return create();
        }
        catch (IOException)
        {
            try
            {
                File.Delete(fullPath);
                return create();
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new SourceException($"Could not write build package entry '{EntryName.Display(rawName)}': {e.Message}", e);
            }
        }
        catch (UnauthorizedAccessException e)
        {
            throw new SourceException($"Could not write build package entry '{EntryName.Display(rawName)}': {e.Message}", e);
        }
    }

    private void WriteOrExplain(string rawName, SafeFileHandle handle, long offset, int count)
    {
        try
        {
            RandomAccess.Write(handle, _buffer.AsSpan(0, count), offset);
        }
        catch (IOException e)
        {
            throw new SourceException(
                $"Could not write build package entry '{EntryName.Display(rawName)}' to the work directory: {e.Message}", e);
        }
    }

    private SourceException TooManyEntries(string rawName) =>
        new($"The build package has more than {_limits.MaxEntries} entries (PACKAGE_MAX_ENTRIES={_limits.MaxEntries}); " +
            $"extraction stopped at entry '{EntryName.Display(rawName)}'. Raise PACKAGE_MAX_ENTRIES if a package this large is expected.");

    private SourceException TooManyBytes(string rawName) =>
        new($"The build package expands to more than {ByteSize.Format(_limits.MaxTotalBytes)} " +
            $"(PACKAGE_MAX_BYTES={_limits.MaxTotalBytes}); extraction stopped at entry '{EntryName.Display(rawName)}'. " +
            "Raise PACKAGE_MAX_BYTES if a package this large is expected.");
}
