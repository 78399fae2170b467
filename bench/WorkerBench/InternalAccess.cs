using System.Runtime.CompilerServices;
using Microsoft.Extensions.Logging;
using QuayBuilder.Protocol;

namespace QuayBuilder.WorkerBench;

/// <summary>
/// Reaches the internal types the bench measures or reuses — the worker's BuildLogStream and the
/// test project's PackageServer and RegistryProbe — without copying them. Their assemblies grant
/// InternalsVisibleTo only to QuayBuilder.Tests; UnsafeAccessor binds by name at JIT time (no
/// reflection), so a renamed member fails loudly on the first call instead of silently.
/// </summary>
internal static class InternalAccess
{
    private const string LogStreamType = "QuayBuilder.Manager.BuildLogStream, quay-builder";
    private const string PackageServerType = "QuayBuilder.Tests.EndToEnd.PackageServer, QuayBuilder.Tests";
    private const string RegistryProbeType = "QuayBuilder.Tests.EndToEnd.RegistryProbe, QuayBuilder.Tests";

    /// <summary>The worker's window of log lines in flight (WorkerCommand.LogWindow, a const the bench cannot read).</summary>
    public const int WorkerLogWindow = 256;

    [UnsafeAccessor(UnsafeAccessorKind.Constructor)]
    [return: UnsafeAccessorType(LogStreamType)]
    private static extern object NewBuildLogStreamCore(BuildManager.BuildManagerClient client, string jobToken, int window, Action<string> jobGone, ILogger logger);

    // An accessor returning an inaccessible type must declare object; these are the typed faces.
    public static IAsyncDisposable NewBuildLogStream(BuildManager.BuildManagerClient client, string jobToken, int window, Action<string> jobGone, ILogger logger) =>
        (IAsyncDisposable)NewBuildLogStreamCore(client, jobToken, window, jobGone, logger);

    public static IAsyncDisposable NewPackageServer() => (IAsyncDisposable)NewPackageServerCore();

    public static IDisposable NewRegistryProbe(string registry) => (IDisposable)NewRegistryProbeCore(registry);

    [UnsafeAccessor(UnsafeAccessorKind.Method, Name = "Start")]
    public static extern void StartLogStream([UnsafeAccessorType(LogStreamType)] object stream);

    [UnsafeAccessor(UnsafeAccessorKind.Method, Name = "Enqueue")]
    public static extern void EnqueueLine([UnsafeAccessorType(LogStreamType)] object stream, string json, string phase);

    [UnsafeAccessor(UnsafeAccessorKind.Method, Name = "FlushAsync")]
    public static extern Task FlushLogStreamAsync([UnsafeAccessorType(LogStreamType)] object stream, CancellationToken cancellationToken);

    [UnsafeAccessor(UnsafeAccessorKind.Method, Name = "get_Rejected")]
    public static extern long RejectedLines([UnsafeAccessorType(LogStreamType)] object stream);

    [UnsafeAccessor(UnsafeAccessorKind.Constructor)]
    [return: UnsafeAccessorType(PackageServerType)]
    private static extern object NewPackageServerCore();

    [UnsafeAccessor(UnsafeAccessorKind.Method, Name = "Add")]
    public static extern string AddPackage([UnsafeAccessorType(PackageServerType)] object server, string name, byte[] body, string contentType);

    [UnsafeAccessor(UnsafeAccessorKind.Constructor)]
    [return: UnsafeAccessorType(RegistryProbeType)]
    private static extern object NewRegistryProbeCore(string registry);

    [UnsafeAccessor(UnsafeAccessorKind.Method, Name = "TagsAsync")]
    public static extern Task<IReadOnlyList<string>> RegistryTagsAsync([UnsafeAccessorType(RegistryProbeType)] object probe, string repository);
}
