using System.Runtime.CompilerServices;

namespace QuayBuilder.TestSupport;

/// <summary>
/// The checkout the tests were compiled from: scripts, the unit, the RPM spec, the Containerfile.
/// Found from this source file's compile-time path first, because tests run from an arbitrary
/// --artifacts-path far from the repository.
/// </summary>
public static class RepositoryRoot
{
    public static string Path { get; } = Find();

    public static string File(params string[] parts) => System.IO.Path.Combine([Path, .. parts]);

    private static string Find([CallerFilePath] string sourceFile = "")
    {
        string?[] starts = [System.IO.Path.GetDirectoryName(sourceFile), Environment.CurrentDirectory, AppContext.BaseDirectory];
        foreach (var start in starts)
        {
            for (var dir = start; !string.IsNullOrEmpty(dir); dir = System.IO.Path.GetDirectoryName(dir))
            {
                if (System.IO.File.Exists(System.IO.Path.Combine(dir, "QuayBuilder.sln")))
                {
                    return dir;
                }
            }
        }

        throw new InvalidOperationException(
            $"Cannot find the repository (QuayBuilder.sln) above {sourceFile} or {Environment.CurrentDirectory}: run the tests from the checkout.");
    }
}
