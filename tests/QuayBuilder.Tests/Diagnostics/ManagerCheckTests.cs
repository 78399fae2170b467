using System.Globalization;
using QuayBuilder.Diagnostics;

namespace QuayBuilder.Tests.Diagnostics;

public sealed class ManagerCheckTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 27, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Skew_WhenManagerSendsNoDateHeader_SaysNotVisible()
    {
        var line = ManagerCheck.Skew(null, Now, TimeSpan.FromMilliseconds(5));

        Assert.Equal("skip clock    skew not visible: the manager's answer carries no date header", line.ToString());
    }

    [Fact]
    public void Skew_WhenManagerIsTenMinutesAhead_FailsWithTheFix()
    {
        var line = ManagerCheck.Skew(Http(Now.AddMinutes(10)), Now, TimeSpan.FromMilliseconds(5));

        Assert.Equal(
            "FAIL clock    the manager's clock is 600 s ahead of this machine's — certificates and tokens will look expired or not yet valid: synchronise this machine's clock (chrony, systemd-timesyncd).",
            line.ToString());
    }

    [Fact]
    public void Skew_WhenManagerIsAMinuteBehind_Warns()
    {
        var line = ManagerCheck.Skew(Http(Now.AddSeconds(-60)), Now, TimeSpan.FromMilliseconds(5));

        Assert.Equal(CheckStatus.Warn, line.Status);
        Assert.StartsWith("the manager's clock is 60 s behind this machine's — ", line.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Skew_WhenWithinTheHeaderResolution_IsOk()
    {
        var line = ManagerCheck.Skew(Http(Now), Now.AddMilliseconds(900), TimeSpan.FromMilliseconds(20));

        Assert.Equal(CheckStatus.Ok, line.Status);
        Assert.StartsWith("in step with the manager", line.Message, StringComparison.Ordinal);
    }

    private static string Http(DateTimeOffset time) => time.ToString("r", CultureInfo.InvariantCulture);
}
