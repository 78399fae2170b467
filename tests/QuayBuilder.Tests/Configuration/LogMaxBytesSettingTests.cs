using QuayBuilder.Configuration;

namespace QuayBuilder.Tests.Configuration;

/// <summary>LOG_MAX_BYTES (issue 16): the bound on one build's whole log.</summary>
public sealed class LogMaxBytesSettingTests
{
    private static BuildSettings Read(string? value) =>
        BuildSettingsReader.Read(name => name == "LOG_MAX_BYTES" ? value : null);

    [Fact]
    public void Read_WithoutLogMaxBytes_Allows64MiB()
    {
        Assert.Equal(64L * 1024 * 1024, Read(null).LogMaxBytes);
        Assert.Equal(QuayBuilder.Manager.BuildLogStreamOptions.DefaultMaxLogBytes, Read(null).LogMaxBytes);
    }

    [Fact]
    public void Read_WithLogMaxBytes_UsesIt() => Assert.Equal(30000, Read("30000").LogMaxBytes);

    [Theory]
    [InlineData("0")]
    [InlineData("-5")]
    [InlineData("64MiB")]
    public void Read_WithABadLogMaxBytes_NamesTheVariable(string value)
    {
        var failure = Assert.Throws<ConfigurationException>(() => Read(value));
        Assert.Contains("LOG_MAX_BYTES", failure.Message, StringComparison.Ordinal);
    }
}
