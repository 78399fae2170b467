using System.Reflection;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace QuayBuilder.Cli;

/// <summary>What `quay-builder version` prints: version, commit, runtime.</summary>
internal static class VersionInfo
{
    public static string Version { get; } =
        typeof(VersionInfo).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "0.0.0";

    public static string Describe() =>
        $"quay-builder {Version}\nruntime: .NET {Environment.Version} ({(RuntimeFeature.IsDynamicCodeSupported ? "JIT" : "native AOT")}), {RuntimeInformation.OSDescription} {RuntimeInformation.ProcessArchitecture}";
}
