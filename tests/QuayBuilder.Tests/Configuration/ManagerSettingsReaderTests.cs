using QuayBuilder.Configuration;

namespace QuayBuilder.Tests.Configuration;

/// <summary>The manager's settings: only worker mode reads them, and only they need SERVER and TOKEN.</summary>
public sealed class ManagerSettingsReaderTests
{
    private const string Token = "eyJhbGciOiJSUzI1NiJ9.registration.SECRET";

    private static ManagerSettings Read(params (string Name, string Value)[] variables)
    {
        var all = new Dictionary<string, string>(StringComparer.Ordinal) { ["SERVER"] = "buildman.example.com:55443", ["TOKEN"] = Token };
        foreach (var (name, value) in variables)
        {
            all[name] = value;
        }

        return ManagerSettingsReader.Read(name => all.GetValueOrDefault(name));
    }

    [Fact]
    public void Read_WithServerAndToken_UsesTlsAndTheDefaultTimings()
    {
        var settings = Read(("BUILD_UUID", " 1234-abcd "));

        Assert.Equal(new Uri("https://buildman.example.com:55443"), settings.Address);
        Assert.Equal(Token, settings.Token);
        Assert.Equal(TimeSpan.FromSeconds(10), settings.HeartbeatInterval);
        Assert.Equal(TimeSpan.FromSeconds(60), settings.HeartbeatWindow);
        Assert.Equal(TimeSpan.FromSeconds(60), settings.RegistrationRetryTime);
        Assert.Equal("1234-abcd", settings.BuildUuid);
    }

    [Fact]
    public void Read_WhenTheBuildsVariablesAreBad_DoesNotReadThem()
    {
        var settings = Read(("CONTAINER_RUNTIME", "rkt"), ("DOCKER_HOST", "tcp://127.0.0.1:2375"), ("WORK_DIR", "/nonexistent"), ("LOG_MAX_BYTES", "-1"));

        Assert.Equal("buildman.example.com:55443", settings.Server);
    }

    [Fact]
    public void Read_WhenServerIsMissing_GivesTheWorkersMessage() =>
        Assert.Equal(
            "SERVER is not set: set it to the build manager's gRPC endpoint as host:port (for example buildman.example.com:50051 or :55443 for TLS).",
            Assert.Throws<ConfigurationException>(() => ManagerSettingsReader.Read(name => name == "TOKEN" ? Token : "  ")).Message);

    [Fact]
    public void Read_WhenTokenIsMissing_GivesTheWorkersMessage() =>
        Assert.Equal(
            "TOKEN is not set: the build manager passes the registration token in TOKEN; start the worker the way Quay's executor does.",
            Assert.Throws<ConfigurationException>(() => ManagerSettingsReader.Read(name => name == "SERVER" ? "a:1" : null)).Message);

    [Theory]
    [InlineData("REGISTRATION_TIMEOUT", "120", 10, 60, 120)]
    [InlineData("HEARTBEAT_WINDOW", "300", 10, 300, 60)]
    public void ReadTimings_ReadsEachVariable(string variable, string value, double interval, double window, double registration)
    {
        var timings = ManagerSettingsReader.ReadTimings(new EnvironmentValues(name => name == variable ? value : null));

        Assert.Equal((TimeSpan.FromSeconds(interval), TimeSpan.FromSeconds(window), TimeSpan.FromSeconds(registration)), timings);
    }

    [Fact]
    public void ReadTimings_WhenTheIntervalIsNotWellInsideTheWindow_SaysWhatFits() =>
        Assert.Equal(
            "HEARTBEAT_INTERVAL is 30 s: it must stay well inside the manager's 60 s window; use at most a third of HEARTBEAT_WINDOW (defaults: 10 and 60).",
            Assert.Throws<ConfigurationException>(() => ManagerSettingsReader.ReadTimings(new EnvironmentValues(name => name == "HEARTBEAT_INTERVAL" ? "30" : null))).Message);
}
