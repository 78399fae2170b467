using System.Runtime.CompilerServices;

namespace QuayBuilder.WorkerBench;

/// <summary>
/// Reaches the internal types the bench reuses — the test project's PackageServer and
/// RegistryProbe — without copying them (the worker's BuildLogStream is reached through the test
/// project's public LogStreamDriver). Their assemblies grant
/// InternalsVisibleTo only to QuayBuilder.Tests; UnsafeAccessor binds by name at JIT time (no
/// reflection), so a renamed member fails loudly on the first call instead of silently.
/// </summary>
internal static class InternalAccess
{
    private const string PackageServerType = "QuayBuilder.Tests.EndToEnd.PackageServer, QuayBuilder.Tests";
    private const string RegistryProbeType = "QuayBuilder.Tests.EndToEnd.RegistryProbe, QuayBuilder.Tests";

    /// <summary>The worker's window of log lines in flight (WorkerCommand.LogWindow, a const the bench cannot read).</summary>
    public const int WorkerLogWindow = 256;

    // An accessor returning an inaccessible type must declare object; these are the typed faces.
    public static IAsyncDisposable NewPackageServer() => (IAsyncDisposable)NewPackageServerCore();

    public static IDisposable NewRegistryProbe(string registry) => (IDisposable)NewRegistryProbeCore(registry);

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
