using QuayBuilder.Build;
using QuayBuilder.Manager;

namespace QuayBuilder.Tests.Manager;

public sealed class BuildLogBudgetTests
{
    [Fact]
    public void Admit_UpToTheBoundExactly_SendsEverything()
    {
        var budget = new BuildLogBudget(100, "LOG_MAX_BYTES");

        Assert.True(budget.Admit(LogMessageKind.Stream, 60, out var first));
        Assert.True(budget.Admit(LogMessageKind.Stream, 40, out var second));

        Assert.Null(first);
        Assert.Null(second);
        Assert.False(budget.IsCut);
        Assert.Null(budget.TakeSummary());
    }

    [Fact]
    public void Admit_PastTheBound_CutsOnceWithOneNoticeAndCountsWhatIsLeftOut()
    {
        var budget = new BuildLogBudget(100, "LOG_MAX_BYTES");
        budget.Admit(LogMessageKind.Stream, 90, out _);

        Assert.False(budget.Admit(LogMessageKind.Stream, 20, out var notice));
        Assert.False(budget.Admit(LogMessageKind.Stream, 5, out var none), "a short line after the cut is left out too");
        Assert.False(budget.Admit(LogMessageKind.Status, 7, out var stillNone));

        Assert.NotNull(notice);
        Assert.Contains("limit of 100 bytes (LOG_MAX_BYTES)", notice.Value.Text, StringComparison.Ordinal);
        Assert.Contains("the build goes on", notice.Value.Text, StringComparison.Ordinal);
        Assert.Null(none);
        Assert.Null(stillNone);
        Assert.Equal((32L, 3L), (budget.LeftOutBytes, budget.LeftOutLines));
        var summary = budget.TakeSummary();
        Assert.Contains("32 bytes in 3 lines", summary!.Value.Text, StringComparison.Ordinal);
        Assert.Null(budget.TakeSummary());
    }

    [Fact]
    public void Admit_AnErrorLineAfterTheCut_IsStillSent()
    {
        var budget = new BuildLogBudget(10, "LOG_MAX_BYTES");
        budget.Admit(LogMessageKind.Stream, 11, out _);

        Assert.True(budget.Admit(LogMessageKind.Error, 500, out var notice));
        Assert.Null(notice);
    }

    [Theory]
    [InlineData(64L * 1024 * 1024, "64 MiB")]
    [InlineData(16 * 1024, "16 KiB")]
    [InlineData(1_000_001, "1,000,001 bytes")]
    public void FormatBytes_SaysTheBoundTheWayItWasMostLikelySet(long bytes, string expected) =>
        Assert.Equal(expected, BuildLogBudget.FormatBytes(bytes));
}
