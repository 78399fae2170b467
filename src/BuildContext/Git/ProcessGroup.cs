using System.Runtime.InteropServices;

namespace QuayBuilder.BuildContext;

/// <summary>
/// Signals a whole process group. git runs ssh, index-pack and, for submodules, further git
/// processes; killing only the git we started would leave an ssh connected to the server and
/// holding our pipes open. Each git is started as the leader of its own session (via
/// <c>setsid</c>), so its group id is its pid and every descendant shares it.
/// </summary>
internal static class ProcessGroup
{
    private const int SigKill = 9;

    public static void Kill(int groupId)
    {
        if (groupId > 1)
        {
            // The result is ignored on purpose: ESRCH (already gone) is the common case.
            _ = NativeKill(-groupId, SigKill);
        }
    }

    // DllImport rather than LibraryImport: the signature is blittable, so no marshalling code
    // is generated either way, and LibraryImport would need unsafe code enabled project-wide.
    [DllImport("libc", EntryPoint = "kill")]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int NativeKill(int pid, int signal);
}
