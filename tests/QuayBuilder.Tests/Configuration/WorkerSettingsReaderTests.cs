using QuayBuilder.Configuration;

namespace QuayBuilder.Tests.Configuration;

public sealed class WorkerSettingsReaderTests
{
    private const string Token = "eyJhbGciOiJSUzI1NiJ9.registration.SECRET";

    private static WorkerSettings Read(params (string Name, string Value)[] variables)
    {
        var all = new Dictionary<string, string>(StringComparer.Ordinal) { ["SERVER"] = "buildman.example.com:50051", ["TOKEN"] = Token };
        foreach (var (name, value) in variables)
        {
            all[name] = value;
        }

        return WorkerSettingsReader.Read(name => all.GetValueOrDefault(name));
    }

    private static string Fails(params (string Name, string Value)[] variables)
    {
        var failure = Assert.Throws<ConfigurationException>(() => Read(variables));
        Assert.DoesNotContain(Token, failure.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', failure.Message);
        return failure.Message;
    }

    [Fact]
    public void Read_WithOnlyServerAndToken_UsesTlsPodmanChrootAndDefaults()
    {
        var settings = Read();
        Assert.Equal(new Uri("https://buildman.example.com:50051"), settings.Manager.Address);
        Assert.Equal(ContainerRuntimeKind.Podman, settings.Build.Runtime);
        Assert.Equal("chroot", settings.Build.Isolation);
        Assert.Null(settings.Build.RuntimeSocket);
        Assert.False(settings.Build.Debug);
        Assert.Equal(TimeSpan.FromSeconds(10), settings.Manager.HeartbeatInterval);
        Assert.Equal(10L * 1024 * 1024 * 1024, settings.Build.SourceLimits.MaxTotalBytes);
    }

    [Theory]
    [InlineData(null, null, true, true)]
    [InlineData("", " ", true, true)]
    [InlineData("false", "true", false, true)]
    [InlineData("1", "no", true, false)]
    public void Read_ReproducibleTimestampAndProvenanceLabels_AreOnUnlessSetFalse(string? timestamp, string? labels, bool expectTimestamp, bool expectLabels)
    {
        var variables = new List<(string, string)>();
        if (timestamp is not null)
        {
            variables.Add(("REPRODUCIBLE_TIMESTAMP", timestamp));
        }

        if (labels is not null)
        {
            variables.Add(("PROVENANCE_LABELS", labels));
        }

        var settings = Read([.. variables]);
        Assert.Equal(expectTimestamp, settings.Build.ReproducibleTimestamp);
        Assert.Equal(expectLabels, settings.Build.ProvenanceLabels);
    }

    [Fact]
    public void Read_WhenProvenanceLabelsIsNotABoolean_NamesTheVariable() =>
        Assert.Contains("PROVENANCE_LABELS 'sometimes' is not a boolean", Fails(("PROVENANCE_LABELS", "sometimes")), StringComparison.Ordinal);

    [Fact]
    public void Read_WhenInsecureIsTrue_UsesPlaintext() =>
        Assert.Equal("http", Read(("INSECURE", "TRUE")).Manager.Address.Scheme);

    [Theory]
    [InlineData("unix:///run/podman/podman.sock", "/run/podman/podman.sock")]
    [InlineData("unix:/run/user/1000/podman/podman.sock", "/run/user/1000/podman/podman.sock")]
    public void Read_AcceptsBothUnixSocketForms(string dockerHost, string expected) =>
        Assert.Equal(expected, Read(("DOCKER_HOST", dockerHost)).Build.RuntimeSocket);

    [Fact]
    public void Read_WhenOnlyTheExecutorsMisspelledIsolationIsSet_UsesIt() =>
        Assert.Equal("rootless", Read(("BULDAH_ISOLATION", "rootless")).Build.Isolation);

    [Fact]
    public void Read_WhenBothIsolationSpellingsAreSet_TheCorrectOneWins() =>
        Assert.Equal("oci", Read(("BUILDAH_ISOLATION", "oci"), ("BULDAH_ISOLATION", "rootless")).Build.Isolation);

    [Fact]
    public void Read_ParsesLimitsAndTimeouts()
    {
        var settings = Read(("PACKAGE_MAX_BYTES", "1048576"), ("PACKAGE_MAX_ENTRIES", "10"), ("GIT_IDLE_TIMEOUT", "5"), ("HEARTBEAT_INTERVAL", "2"), ("DEBUG", "true"));
        Assert.Equal(1048576, settings.Build.SourceLimits.MaxTotalBytes);
        Assert.Equal(10, settings.Build.SourceLimits.MaxEntries);
        Assert.Equal(TimeSpan.FromSeconds(5), settings.Build.GitIdleTimeout);
        Assert.Equal(TimeSpan.FromSeconds(2), settings.Manager.HeartbeatInterval);
        Assert.True(settings.Build.Debug);
    }

    [Theory]
    [InlineData("SERVER", "buildman.example.com", "has no port")]
    [InlineData("SERVER", "https://buildman.example.com:443", "has a scheme")]
    [InlineData("SERVER", "buildman.example.com:99999", "invalid port")]
    [InlineData("SERVER", "::1:50051", "IPv6 address in brackets")]
    [InlineData("CONTAINER_RUNTIME", "rkt", "use podman (the default) or docker")]
    [InlineData("DOCKER_HOST", "tcp://127.0.0.1:2375", "is not a unix socket")]
    [InlineData("BUILDAH_ISOLATION", "vm", "use chroot, oci or rootless")]
    [InlineData("INSECURE", "maybe", "is not a boolean")]
    [InlineData("PACKAGE_MAX_BYTES", "-1", "not a positive whole number")]
    [InlineData("GIT_TOTAL_TIMEOUT", "soon", "not a positive number of seconds")]
    [InlineData("HEARTBEAT_INTERVAL", "45", "well inside the manager's 60 s window")]
    [InlineData("TLS_CERT_PATH", "/nonexistent/ca.pem", "cannot be read")]
    public void Read_WhenAValueIsBad_FailsWithOneLineNamingTheVariable(string variable, string value, string expected)
    {
        var message = Fails((variable, value));
        Assert.Contains(expected, message, StringComparison.Ordinal);
        Assert.Contains(variable, message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_WhenServerIsMissing_SaysWhatToSet()
    {
        var failure = Assert.Throws<ConfigurationException>(() => WorkerSettingsReader.Read(name => name == "TOKEN" ? Token : null));
        Assert.Contains("SERVER is not set", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_WhenTokenIsMissing_SaysWhereItComesFrom()
    {
        var failure = Assert.Throws<ConfigurationException>(() => WorkerSettingsReader.Read(name => name == "SERVER" ? "a:1" : null));
        Assert.Contains("TOKEN is not set", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_AcceptsABracketedIPv6Server() =>
        Assert.Equal("[::1]:50051", Read(("SERVER", "[::1]:50051")).Manager.Server);
}
