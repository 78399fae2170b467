using QuayBuilder.Configuration;

namespace QuayBuilder.Diagnostics;

/// <summary>
/// The work root (WORK_DIR, or the temp directory) takes a file and has room for build contexts.
/// Podman's image storage lives elsewhere and is Podman's to report.
/// </summary>
internal static class WorkDirectoryCheck
{
    public const string Name = "workdir";

    private const long FailBelow = 1L << 30;
    private const long WarnBelow = 5L << 30;

    public static CheckLine Run(Func<string, string?> environment)
    {
        string root;
        try
        {
            root = BuildSettingsReader.Read(SettingsProbe.Only(environment, "WORK_DIR")).WorkRoot;
        }
        catch (ConfigurationException e)
        {
            return CheckLine.Fail(Name, e.Message);
        }

        var probe = Path.Join(root, $".quay-builder-check-{Environment.ProcessId}-{Guid.NewGuid():N}");
        try
        {
            File.WriteAllBytes(probe, new byte[4096]);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return CheckLine.Fail(Name, $"{root} is not writable ({e.Message}) — give the worker's user write access, or set WORK_DIR to a writable directory.");
        }
        finally
        {
            TryDelete(probe);
        }

        long free;
        try
        {
            free = new DriveInfo(root).AvailableFreeSpace;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException)
        {
            return CheckLine.Warn(Name, $"{root} is writable; its free space is unknown ({e.Message})");
        }

        var text = $"{root} is writable, {Gibibytes(free)} free";
        return free switch
        {
            < FailBelow => CheckLine.Fail(Name, $"{text} — builds unpack their sources here: free space or set WORK_DIR to a larger file system (1 GiB at the very least)."),
            < WarnBelow => CheckLine.Warn(Name, $"{text} — large build contexts may not fit; 5 GiB or more is comfortable."),
            _ => CheckLine.Ok(Name, text),
        };
    }

    private static string Gibibytes(long bytes) => $"{bytes / (double)(1L << 30):0.0} GiB";

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Nothing was written, or a stray 4 KiB file in the work root; neither changes the verdict.
        }
    }
}
