using System.Runtime.InteropServices;

namespace QuayBuilder.BuildContext;

/// <summary>
/// The two POSIX calls .NET has no safe equivalent for. <c>Directory.CreateDirectory</c>
/// silently succeeds when the path is a symlink to a directory, which would let a later
/// member be written through the link; <c>mkdir</c> fails with EEXIST instead. .NET has no
/// hard-link API at all.
/// </summary>
internal static class LibC
{
    public const int EEXIST = 17;

    [DllImport("libc", EntryPoint = "mkdir", SetLastError = true)]
    private static extern int MkDir([MarshalAs(UnmanagedType.LPUTF8Str)] string path, uint mode);

    [DllImport("libc", EntryPoint = "link", SetLastError = true)]
    private static extern int Link(
        [MarshalAs(UnmanagedType.LPUTF8Str)] string existingPath,
        [MarshalAs(UnmanagedType.LPUTF8Str)] string newPath);

    /// <summary>Creates exactly one directory; returns 0 or the errno.</summary>
    public static int CreateDirectory(string path, uint mode) =>
        MkDir(path, mode) == 0 ? 0 : Marshal.GetLastPInvokeError();

    /// <summary>Creates a hard link (never follows a symlink at <paramref name="existingPath"/>); returns 0 or the errno.</summary>
    public static int CreateHardLink(string existingPath, string newPath) =>
        Link(existingPath, newPath) == 0 ? 0 : Marshal.GetLastPInvokeError();

    public static string Describe(int errno) => Marshal.GetPInvokeErrorMessage(errno);
}
