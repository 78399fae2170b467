using System.Runtime.Versioning;

namespace QuayBuilder.Tests.Hosting;

/// <summary>
/// Runs packaging/rpm/build-rpm — the script CI calls after publishing the AOT binary — on a
/// small stand-in executable, and inspects the RPM with rpm itself.
/// </summary>
[SupportedOSPlatform("linux")]
public sealed class RpmPackageTests : IAsyncLifetime
{
    private readonly DirectoryInfo _work = Directory.CreateTempSubdirectory("qb-rpm-");
    private string _rpm = string.Empty;

    public async Task InitializeAsync()
    {
        // An ELF executable of this machine: build-rpm takes the RPM's architecture and glibc
        // requirement from the binary.
        var standIn = Path.Combine(_work.FullName, "quay-builder");
        File.Copy("/bin/true", standIn);
        File.SetUnixFileMode(standIn, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);

        var result = await ExternalCommand.RunAsync(
            RepositoryRoot.File("packaging", "rpm", "build-rpm"),
            [standIn, Path.Combine(_work.FullName, "out")],
            new Dictionary<string, string> { ["TMPDIR"] = _work.FullName, ["QB_VERSION"] = "0.1.0" });
        Assert.True(result.ExitCode == 0, $"build-rpm failed ({result.ExitCode}):\n{result.StandardError}");
        _rpm = result.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries)[^1];
    }

    public Task DisposeAsync()
    {
        _work.Delete(recursive: true);
        return Task.CompletedTask;
    }

    [Fact]
    public async Task BuildRpm_WithStandInBinary_InstallsBinaryUnitEnvFileAndLicense()
    {
        var files = await QueryAsync("-qlp");

        Assert.Contains("/usr/bin/quay-builder", files);
        Assert.Contains("/usr/lib/systemd/system/quay-builder.service", files);
        Assert.Contains("/etc/quay-builder/quay-builder.env", files);
        Assert.Contains("/usr/share/licenses/quay-builder/LICENSE", files);
    }

    [Fact]
    public async Task BuildRpm_EnvFile_IsRootOnlyConfigKeptOnUpgrade()
    {
        var configs = await QueryAsync("-qcp");
        var modes = await QueryAsync("-qp", "--qf", "[%{FILEMODES:perms} %{FILENAMES}\n]");

        Assert.Equal(["/etc/quay-builder/quay-builder.env"], configs);
        Assert.Contains("-rw------- /etc/quay-builder/quay-builder.env", modes);
        Assert.Contains("-rwxr-xr-x /usr/bin/quay-builder", modes);
        Assert.Contains("drwx------ /etc/quay-builder", modes);
    }

    [Fact]
    public async Task BuildRpm_Requires_PodmanGitAndSsh()
    {
        var requires = await QueryAsync("-qp", "--requires");

        Assert.Contains("podman", requires);
        Assert.Contains("git", requires);
        Assert.Contains("openssh-clients", requires);
    }

    [Fact]
    public async Task BuildRpm_ForAnX86Binary_IsX86AndRequiresTheNewestGlibcTheBinaryLinks()
    {
        var arch = await QueryAsync("-qp", "--qf", "%{ARCH}\n");
        var requires = await QueryAsync("-qp", "--requires");
        var symbols = await ExternalCommand.RunAsync("objdump", ["-T", "/bin/true"], new Dictionary<string, string>());
        var newest = System.Text.RegularExpressions.Regex.Matches(symbols.StandardOutput, @"GLIBC_(2\.\d+)")
            .Select(m => Version.Parse(m.Groups[1].Value)).Max();

        Assert.Equal(["x86_64"], arch);
        Assert.Contains($"glibc >= {newest}", requires);
    }

    [Fact]
    public async Task BuildRpm_Scriptlets_PresetDisableAndReloadWithoutRestartingABuild()
    {
        var scripts = string.Join('\n', await QueryAsync("-qp", "--scripts"));

        Assert.Contains("preset quay-builder.service", scripts, StringComparison.Ordinal);
        Assert.Contains("disable --now quay-builder.service", scripts, StringComparison.Ordinal);
        Assert.DoesNotContain("try-restart", scripts, StringComparison.Ordinal);
    }

    private async Task<List<string>> QueryAsync(params string[] arguments)
    {
        var result = await ExternalCommand.RunAsync("rpm", [.. arguments, _rpm]);
        Assert.True(result.ExitCode == 0, $"rpm {string.Join(' ', arguments)} failed: {result.StandardError}");
        return [.. result.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries)];
    }
}
