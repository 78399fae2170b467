using System.Runtime.Versioning;

namespace QuayBuilder.Tests.Hosting;

[SupportedOSPlatform("linux")]
public sealed class SystemdUnitTests
{
    private static readonly string UnitPath = RepositoryRoot.File("systemd", "quay-builder.service");
    private static readonly string EnvExamplePath = RepositoryRoot.File("systemd", "quay-builder.env.example");

    // Every variable worker.md's table names, plus the operator limits and tunables the worker reads.
    public static TheoryData<string> WorkerVariables { get; } = new(
        "SERVER", "TOKEN", "INSECURE", "TLS_CERT_PATH", "CA_CERT", "SSL_CERT_FILE", "GIT_SSL_CAINFO",
        "CONTAINER_RUNTIME", "DOCKER_HOST", "BUILDAH_ISOLATION", "BULDAH_ISOLATION", "EXECUTOR", "DEBUG",
        "HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY", "BUILD_UUID", "REGISTRY_HOSTNAME",
        "PACKAGE_MAX_BYTES", "PACKAGE_MAX_ENTRIES", "PACKAGE_MAX_PATH_LENGTH",
        "PACKAGE_DOWNLOAD_TIMEOUT", "PACKAGE_IDLE_TIMEOUT", "PACKAGE_CONNECT_TIMEOUT",
        "GIT_IDLE_TIMEOUT", "GIT_TOTAL_TIMEOUT", "GIT_CONNECT_TIMEOUT", "GIT_KNOWN_HOSTS",
        "WORK_DIR", "HEARTBEAT_INTERVAL", "REGISTRATION_TIMEOUT", "REPRODUCIBLE_TIMESTAMP", "PROVENANCE_LABELS");

    [Fact]
    public async Task Verify_WhenExecStartExists_ReportsNothingAboutTheUnit()
    {
        var problems = await VerifyAsync(File.ReadAllText(UnitPath));

        Assert.Empty(problems);
    }

    [Fact]
    public async Task Verify_WhenUnitHasAMisspelledKey_ReportsIt()
    {
        // Proves the check above can fail: systemd-analyze exits 0 on unknown keys and only warns.
        var broken = File.ReadAllText(UnitPath).Replace("NotifyAccess=main", "NotifyAcces=main", StringComparison.Ordinal);

        var problems = await VerifyAsync(broken);

        Assert.Contains(problems, p => p.Contains("NotifyAcces", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Security_Offline_ExposureStaysAtMostFour()
    {
        // systemd's own hardening score (0 = locked down, 10 = unprotected); 3.8 when written.
        // A threshold rather than the exact score: a newer systemd adds checks.
        var (exitCode, report) = await WithStandInAsync(File.ReadAllText(UnitPath), unit => ExternalCommand.RunAsync(
            "systemd-analyze",
            ["security", "--offline=yes", "--threshold=40", "--no-pager", unit],
            new Dictionary<string, string> { ["SYSTEMD_COLORS"] = "0" }));

        Assert.True(exitCode == 0, "exposure above 4.0:\n" + report);
    }

    [Theory]
    [InlineData("Type", "notify")]
    [InlineData("NotifyAccess", "main")]
    [InlineData("ExecStart", "/usr/bin/quay-builder")]
    [InlineData("EnvironmentFile", "/etc/quay-builder/quay-builder.env")]
    [InlineData("Restart", "no")]
    [InlineData("KillSignal", "SIGTERM")]
    [InlineData("TimeoutStopSec", "60")]
    [InlineData("WatchdogSec", "60")]
    [InlineData("StateDirectory", "quay-builder")]
    [InlineData("RuntimeDirectory", "quay-builder")]
    [InlineData("NoNewPrivileges", "yes")]
    [InlineData("PrivateTmp", "yes")]
    public void Unit_Service_SetsKey(string key, string expected)
    {
        var values = ServiceValues(key);

        Assert.Equal([expected], values);
    }

    [Theory]
    [InlineData("Wants")]
    [InlineData("After")]
    public void Unit_OrdersAfterPodmanSocketAndNetwork(string key)
    {
        var units = File.ReadAllLines(UnitPath)
            .Where(l => l.StartsWith(key + "=", StringComparison.Ordinal))
            .SelectMany(l => l[(key.Length + 1)..].Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .ToList();

        Assert.Contains("podman.socket", units);
        Assert.Contains("network-online.target", units);
    }

    [Theory]
    [MemberData(nameof(WorkerVariables))]
    public void EnvExample_DocumentsVariable(string name)
    {
        var lines = File.ReadAllLines(EnvExamplePath);

        Assert.Contains(lines, l => l.StartsWith(name + "=", StringComparison.Ordinal) || l.StartsWith("#" + name + "=", StringComparison.Ordinal));
    }

    [Fact]
    public void EnvExample_WhenInstalledAsIs_HasNoSecretValues()
    {
        var assigned = File.ReadAllLines(EnvExamplePath)
            .Where(l => l.StartsWith("TOKEN=", StringComparison.Ordinal) || l.StartsWith("#TOKEN=", StringComparison.Ordinal));

        Assert.Equal(["TOKEN="], assigned);
    }

    private static List<string> ServiceValues(string key)
    {
        var inService = false;
        var values = new List<string>();
        foreach (var raw in File.ReadAllLines(UnitPath))
        {
            var line = raw.Trim();
            if (line.StartsWith('['))
            {
                inService = line == "[Service]";
            }
            else if (inService && line.StartsWith(key + "=", StringComparison.Ordinal))
            {
                values.Add(line[(key.Length + 1)..]);
            }
        }

        return values;
    }

    /// <summary>
    /// Runs <c>systemd-analyze verify</c> on a copy of the unit. Returns the diagnostics that
    /// concern the unit: verify exits 0 on mere warnings such as unknown keys, so its exit code
    /// alone proves little.
    /// </summary>
    private static async Task<List<string>> VerifyAsync(string unitText)
    {
        // No PID 1 systemd is needed for verify; --man=no keeps it from opening man pages.
        var (exitCode, output) = await WithStandInAsync(unitText, unit => ExternalCommand.RunAsync(
            "systemd-analyze",
            ["verify", "--man=no", unit],
            new Dictionary<string, string> { ["SYSTEMD_LOG_LEVEL"] = "warning", ["SYSTEMD_COLORS"] = "0" }));

        var problems = output
            .Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Where(l => l.Contains("quay-builder", StringComparison.Ordinal))
            .ToList();
        if (exitCode != 0)
        {
            problems.Add($"systemd-analyze verify exited {exitCode}: {output}");
        }

        return problems;
    }

    /// <summary>
    /// Runs a tool on a copy of the unit whose ExecStart names an existing stand-in executable:
    /// systemd-analyze rejects a missing binary, and the real one is only installed by the RPM.
    /// </summary>
    private static async Task<(int ExitCode, string Output)> WithStandInAsync(string unitText, Func<string, Task<ExternalCommand>> run)
    {
        var directory = Directory.CreateTempSubdirectory("qb-unit-");
        try
        {
            var stub = Path.Combine(directory.FullName, "quay-builder");
            File.WriteAllText(stub, "#!/bin/sh\nexit 0\n");
            File.SetUnixFileMode(stub, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            var unit = Path.Combine(directory.FullName, "quay-builder.service");
            File.WriteAllText(unit, unitText.Replace("ExecStart=/usr/bin/quay-builder", "ExecStart=" + stub, StringComparison.Ordinal));

            var result = await run(unit);
            return (result.ExitCode, result.StandardError + result.StandardOutput);
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }
}
