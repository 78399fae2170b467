namespace QuayBuilder.Tests.Hosting;

/// <summary>
/// Static properties of the Containerfile the worker relies on, so a later edit cannot quietly
/// reintroduce a shell entrypoint or root (EndToEnd/ImageTests builds and runs the image itself).
/// </summary>
public sealed class ContainerfileTests
{
    private static readonly string[] Lines = File.ReadAllLines(RepositoryRoot.File("Containerfile"));

    [Fact]
    public void Containerfile_Entrypoint_IsAnInitThenTheWorkerBinaryInExecForm()
    {
        var entrypoints = Lines.Where(l => l.StartsWith("ENTRYPOINT", StringComparison.Ordinal)).ToList();

        Assert.Equal(["ENTRYPOINT [\"/usr/local/bin/catatonit\", \"--\", \"/usr/local/bin/quay-builder\"]"], entrypoints);
        Assert.DoesNotContain(Lines, l => l.StartsWith("CMD", StringComparison.Ordinal));
    }

    [Fact]
    public void Containerfile_LastUser_IsTheUnprivilegedPodmanUser()
    {
        var users = Lines.Where(l => l.StartsWith("USER ", StringComparison.Ordinal)).ToList();

        Assert.Equal("USER podman", users[^1]);
    }

    [Fact]
    public void Containerfile_ConfiguresVfsPermissiveShortNamesAndSubordinateIds()
    {
        var text = string.Join('\n', Lines);

        Assert.Contains("driver = \"vfs\"", text, StringComparison.Ordinal);
        Assert.Contains("short-name-mode = \"permissive\"", text, StringComparison.Ordinal);
        Assert.Contains("/etc/subuid", text, StringComparison.Ordinal);
        Assert.Contains("/etc/subgid", text, StringComparison.Ordinal);
        Assert.DoesNotContain(Lines, l => l.StartsWith("ENV BUILDAH_ISOLATION", StringComparison.Ordinal));
    }
}
