using System.Runtime.InteropServices;

namespace QuayBuilder.Podman;

/// <summary>kill(2): .NET can only SIGKILL a process, and the Podman service deserves a SIGTERM first.</summary>
internal static partial class NativeSignals
{
    internal const int SigTerm = 15;
    internal const int SigKill = 9;

    internal static bool Send(int pid, int signal) => Kill(pid, signal) == 0;

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);
}
