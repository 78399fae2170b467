using System.Text.Json;
using QuayBuilder.Build;

namespace QuayBuilder.Tests.Build;

public sealed class BuildLogMessageTests
{
    [Fact]
    public void Stream_IsAJsonObjectWithANewlineTerminatedStreamKey()
    {
        using var json = JsonDocument.Parse(BuildLogMessage.Stream("Step 1/2 : FROM \"x\" <&>").ToJson());
        Assert.Equal(JsonValueKind.Object, json.RootElement.ValueKind);
        Assert.Equal("Step 1/2 : FROM \"x\" <&>\n", json.RootElement.GetProperty("stream").GetString());
    }

    [Fact]
    public void Status_CarriesIdAndProgressDetailLikeDocker()
    {
        using var json = JsonDocument.Parse(BuildLogMessage.Status("Pushing", "a1b2c3", 10, 100).ToJson());
        Assert.Equal("Pushing", json.RootElement.GetProperty("status").GetString());
        Assert.Equal("a1b2c3", json.RootElement.GetProperty("id").GetString());
        Assert.Equal(10, json.RootElement.GetProperty("progressDetail").GetProperty("current").GetInt64());
        Assert.Equal(100, json.RootElement.GetProperty("progressDetail").GetProperty("total").GetInt64());
    }

    [Fact]
    public void Error_IsTheErrorKey()
    {
        using var json = JsonDocument.Parse(BuildLogMessage.Error("boom").ToJson());
        Assert.Equal("boom", json.RootElement.GetProperty("error").GetString());
        Assert.False(json.RootElement.TryGetProperty("stream", out _));
    }
}
