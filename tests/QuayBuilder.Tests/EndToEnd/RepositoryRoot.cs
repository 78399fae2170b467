namespace QuayBuilder.Tests.EndToEnd;

internal static class RepositoryRoot
{
    public static string Path { get; } = Find();

    private static string Find()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(System.IO.Path.Combine(directory.FullName, "QuayBuilder.sln")))
            {
                return directory.FullName;
            }
        }

        var recorded = typeof(RepositoryRoot).Assembly.GetCustomAttributes(typeof(System.Reflection.AssemblyMetadataAttribute), false)
            .Cast<System.Reflection.AssemblyMetadataAttribute>()
            .FirstOrDefault(a => a.Key == "RepositoryRoot")?.Value;
        if (recorded is not null && File.Exists(System.IO.Path.Combine(recorded, "QuayBuilder.sln")))
        {
            return recorded;
        }

        throw new InvalidOperationException("QuayBuilder.sln not found above " + AppContext.BaseDirectory);
    }
}
