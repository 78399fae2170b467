using System.Runtime.InteropServices;

namespace QuayBuilder.BuildContext.Fuzz;

/// <summary>
/// Input: the raw bytes of a build package (any kind: gzip/bzip2/xz tar, tar, zip, text).
/// Extracts it with <see cref="PackageFetcher.ExtractFileAsync"/> into a fresh directory and checks
/// the rules of docs/adr/0003-archive-extraction.md:
/// <list type="bullet">
/// <item>only success or a <see cref="SourceException"/> comes out, and after a SourceException
/// the destination is gone;</item>
/// <item>nothing is created outside the destination: the scratch directory holds only the input,
/// an empty sentinel directory (the target of "../sentinel" style escapes) and the destination;</item>
/// <item>the destination holds only directories, regular files and symlinks (no device, FIFO or
/// socket), none with setuid/setgid/sticky bits;</item>
/// <item>every symlink has a relative target that stays lexically inside the destination when
/// resolved against the link's own directory (the extractor's documented rule: a chain of such
/// links may still really lead outside, but nothing is ever written through a link);</item>
/// <item>every hard-linked file has all its links inside the destination.</item>
/// </list>
/// With QB_FUZZ_STRICT=1 a SourceException wrapping a programming error (NullReference,
/// IndexOutOfRange, Argument*, InvalidOperation, ...) from a decoder or the extractor is a finding too;
/// QB_FUZZ_VERBOSE=1 prints the outcome (for replaying an input).
/// </summary>
internal static class ArchiveTarget
{
    private const int FileTypeMask = 0xF000;
    private const int TypeDirectory = 0x4000;
    private const int TypeRegular = 0x8000;
    private const int TypeSymlink = 0xA000;
    private const int SpecialBits = 0xE00;

    private static readonly SourceLimits Limits = new()
    {
        MaxTotalBytes = 4L * 1024 * 1024,
        MaxEntries = 2000,
        MaxPathLength = 4096,
    };

    private static readonly bool Strict = Environment.GetEnvironmentVariable("QB_FUZZ_STRICT") == "1";

    private static readonly bool Verbose = Environment.GetEnvironmentVariable("QB_FUZZ_VERBOSE") == "1";

    private static readonly Lazy<string> Scratch = new(CreateScratch);

    public static void Run(byte[] input)
    {
        string scratch = Scratch.Value;
        string inputPath = Path.Join(scratch, "input");
        string sentinel = Path.Join(scratch, "sentinel");
        string destination = Path.Join(scratch, "dest");
        Clean(scratch);
        File.WriteAllBytes(inputPath, input);
        Directory.CreateDirectory(sentinel);
        try
        {
            bool extracted;
            try
            {
                FetchedPackage package = PackageFetcher.ExtractFileAsync(inputPath, destination, Limits, NoLog.Instance, CancellationToken.None)
                    .GetAwaiter().GetResult();
                extracted = true;
                if (Verbose)
                {
                    Console.Error.WriteLine($"extracted {package}");
                }
            }
            catch (SourceException e)
            {
                if (Verbose)
                {
                    Console.Error.WriteLine($"refused: {e.Message}");
                }

                if (Strict && FindBug(e) is { } bug)
                {
                    throw new InvalidOperationException($"a programming error surfaced as a SourceException: {e.Message}", bug);
                }

                extracted = false;
            }

            CheckNothingOutside(scratch, sentinel, extracted);
            if (extracted)
            {
                CheckTree(destination);
            }
            else if (Path.Exists(destination))
            {
                throw new InvalidOperationException("a SourceException left the destination behind");
            }
        }
        finally
        {
            Clean(scratch);
        }
    }

    private static string CreateScratch()
    {
        // QB_FUZZ_SCRATCH (run.sh points it at tmpfs) holds one directory per fuzzer process.
        string? parent = Environment.GetEnvironmentVariable("QB_FUZZ_SCRATCH");
        if (string.IsNullOrEmpty(parent))
        {
            return Directory.CreateTempSubdirectory("qb-fuzz-archive-").FullName;
        }

        Directory.CreateDirectory(parent);
        string scratch = Path.Join(parent, $"p{Environment.ProcessId}");
        if (Directory.Exists(scratch))
        {
            Directory.Delete(scratch, recursive: true);
        }

        Directory.CreateDirectory(scratch);
        return scratch;
    }

    private static void CheckNothingOutside(string scratch, string sentinel, bool extracted)
    {
        if (Directory.EnumerateFileSystemEntries(sentinel).Any())
        {
            throw new InvalidOperationException($"something was written into the sibling directory: {
                string.Join(", ", Directory.EnumerateFileSystemEntries(sentinel))}");
        }

        var expected = new HashSet<string>(StringComparer.Ordinal) { "input", "sentinel" };
        if (extracted)
        {
            expected.Add("dest");
        }

        var unexpected = Directory.EnumerateFileSystemEntries(scratch).Select(Path.GetFileName)
            .Where(name => !expected.Contains(name!)).ToList();
        if (unexpected.Count > 0)
        {
            throw new InvalidOperationException($"new entries beside the destination: {string.Join(", ", unexpected)}");
        }

        if (LStat(sentinel).Type != TypeDirectory || (extracted && LStat(Path.Join(scratch, "dest")).Type != TypeDirectory))
        {
            throw new InvalidOperationException("the sentinel or the destination is no longer a real directory");
        }
    }

    private static void CheckTree(string root)
    {
        var links = new Dictionary<(ulong Device, ulong Inode), (ulong Links, int Seen)>();
        var pending = new Stack<string>();
        pending.Push(root);
        while (pending.TryPop(out string? directory))
        {
            foreach (string path in Directory.EnumerateFileSystemEntries(directory))
            {
                Stat stat = LStat(path);
                string relative = Path.GetRelativePath(root, path);
                if ((stat.Mode & SpecialBits) != 0)
                {
                    throw new InvalidOperationException($"{relative} has mode {Convert.ToString(stat.Mode, 8)} (setuid/setgid/sticky)");
                }

                switch (stat.Type)
                {
                    case TypeDirectory:
                        pending.Push(path);
                        break;
                    case TypeRegular:
                        if (stat.Links > 1)
                        {
                            var key = (stat.Device, stat.Inode);
                            links[key] = links.TryGetValue(key, out var seen) ? (seen.Links, seen.Seen + 1) : (stat.Links, 1);
                        }

                        break;
                    case TypeSymlink:
                        CheckSymlink(relative, new FileInfo(path).LinkTarget
                            ?? throw new InvalidOperationException($"{relative}: a symlink without a target"));
                        break;
                    default:
                        throw new InvalidOperationException($"{relative} has file type 0x{stat.Type:x} (device, FIFO or socket)");
                }
            }
        }

        foreach (var (key, (count, seen)) in links)
        {
            if ((ulong)seen != count)
            {
                throw new InvalidOperationException($"inode {key.Inode} has {count} links but only {seen} inside the destination");
            }
        }
    }

    /// <summary>The extractor's rule: a relative target that does not climb above the root from the link's directory.</summary>
    private static void CheckSymlink(string relative, string target)
    {
        if (target.Length == 0 || target[0] == '/')
        {
            throw new InvalidOperationException($"symlink {relative} -> '{target}' is empty or absolute");
        }

        int depth = relative.Count(c => c == '/');
        foreach (string part in target.Split('/'))
        {
            if (part == "..")
            {
                if (--depth < 0)
                {
                    throw new InvalidOperationException($"symlink {relative} -> '{target}' leads outside the destination");
                }
            }
            else if (part.Length > 0 && part != ".")
            {
                depth++;
            }
        }
    }

    /// <summary>A programming error (not a report of bad data) anywhere in the SourceException's causes.</summary>
    private static Exception? FindBug(Exception e)
    {
        for (Exception? inner = e.InnerException; inner is not null; inner = inner.InnerException)
        {
            if (inner is NullReferenceException or IndexOutOfRangeException or ArgumentException or InvalidCastException
                or OverflowException or DivideByZeroException or InvalidOperationException or NotImplementedException
                or KeyNotFoundException or OutOfMemoryException)
            {
                return inner;
            }
        }

        return null;
    }

    /// <summary>Empties the scratch directory, restoring permissions a package may have removed.</summary>
    private static void Clean(string scratch)
    {
        foreach (string path in Directory.EnumerateFileSystemEntries(scratch))
        {
            if (LStat(path).Type != TypeDirectory)
            {
                File.Delete(path);
                continue;
            }

            try
            {
                Directory.Delete(path, recursive: true);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                MakeWritable(path);
                Directory.Delete(path, recursive: true);
            }
        }
    }

    private static void MakeWritable(string directory)
    {
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }

        foreach (string path in Directory.EnumerateFileSystemEntries(directory))
        {
            if (LStat(path).Type == TypeDirectory)
            {
                MakeWritable(path);
            }
        }
    }

    private readonly record struct Stat(ulong Device, ulong Inode, ulong Links, int Mode)
    {
        public int Type => Mode & FileTypeMask;
    }

    /// <summary>lstat(2); the offsets are those of struct stat on x86_64 and arm64 glibc.</summary>
    private static Stat LStat(string path)
    {
        var buffer = new byte[256];
        if (NativeLStat(path, buffer) != 0)
        {
            throw new IOException($"lstat {path}: {Marshal.GetPInvokeErrorMessage(Marshal.GetLastPInvokeError())}");
        }

        ulong device = BitConverter.ToUInt64(buffer, 0);
        ulong inode = BitConverter.ToUInt64(buffer, 8);
        return RuntimeInformation.ProcessArchitecture == Architecture.X64
            ? new Stat(device, inode, BitConverter.ToUInt64(buffer, 16), BitConverter.ToInt32(buffer, 24))
            : new Stat(device, inode, BitConverter.ToUInt32(buffer, 20), BitConverter.ToInt32(buffer, 16));
    }

    [DllImport("libc", EntryPoint = "lstat", SetLastError = true)]
    private static extern int NativeLStat([MarshalAs(UnmanagedType.LPUTF8Str)] string path, byte[] buffer);

    private sealed class NoLog : IProgress<string>
    {
        public static readonly NoLog Instance = new();

        public void Report(string value)
        {
        }
    }
}
