using System.Net.Sockets;

namespace QuayBuilder.Podman.Tests;

internal static class TestEnvironment
{
    internal static bool IsCi => string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// Walks up to QuayBuilder.sln from the test binaries, the working directory, then this
    /// source file (binaries may live outside the repo with --artifacts-path).
    /// </summary>
    internal static string RepoRoot([System.Runtime.CompilerServices.CallerFilePath] string sourceFile = "")
    {
        foreach (var start in new[] { AppContext.BaseDirectory, Environment.CurrentDirectory, Path.GetDirectoryName(sourceFile) ?? "/" })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "QuayBuilder.sln")))
                {
                    return dir.FullName;
                }
            }
        }

        throw new InvalidOperationException("QuayBuilder.sln not found above " + AppContext.BaseDirectory);
    }

    /// <summary>A loopback port free at the moment of asking.</summary>
    internal static int FreePort()
    {
        using var listener = new TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }

    internal static string Unique(string prefix) => $"{prefix}-{Guid.NewGuid().ToString("N")[..10]}";
}
