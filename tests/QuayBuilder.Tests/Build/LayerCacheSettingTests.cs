using QuayBuilder.Cli;
using QuayBuilder.Configuration;
using QuayBuilder.Local;

namespace QuayBuilder.Tests.Build;

/// <summary>LAYER_CACHE and --no-layer-cache reach the job's options; the cache is on by default (ADR 0013).</summary>
public sealed class LayerCacheSettingTests
{
    private static WorkerSettings Read(string? layerCache) =>
        WorkerSettingsReader.Read(name => name switch
        {
            "SERVER" => "buildman.example.com:50051",
            "TOKEN" => "token",
            "LAYER_CACHE" => layerCache,
            _ => null,
        });

    [Fact]
    public void JobOptions_WithoutLayerCache_CacheIsOn()
    {
        Assert.True(WorkerCommand.JobOptions(Read(null).Build).LayerCache);
    }

    [Theory]
    [InlineData("false", false)]
    [InlineData("true", true)]
    public void JobOptions_WithLayerCache_FollowsIt(string value, bool expected)
    {
        Assert.Equal(expected, WorkerCommand.JobOptions(Read(value).Build).LayerCache);
    }

    [Fact]
    public void Read_WithAnUnusableLayerCache_NamesTheVariable()
    {
        var failure = Assert.Throws<ConfigurationException>(() => Read("sometimes"));
        Assert.Contains("LAYER_CACHE", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_NoLayerCache_IsOffOnlyWhenGiven()
    {
        Assert.False(LocalArguments.Parse(["."]).NoLayerCache);
        Assert.True(LocalArguments.Parse([".", "--no-layer-cache"]).NoLayerCache);
    }
}
