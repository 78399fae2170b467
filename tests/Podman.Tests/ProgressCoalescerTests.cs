namespace QuayBuilder.Podman.Tests;

public sealed class ProgressCoalescerTests
{
    private const long Total = 1_000_000_000;

    [Fact]
    public void OnMessage_WhenThousandsOfUpdatesForOneLayer_PassesFewAndTheFinalOne()
    {
        var time = new ManualTime();
        var passed = new List<PodmanMessage>();
        var coalescer = new ProgressCoalescer(passed.Add, TimeSpan.FromMilliseconds(500), time);

        // 10,000 updates of a 1 GB layer over 20 s.
        for (var i = 1; i <= 10_000; i++)
        {
            time.Advance(TimeSpan.FromMilliseconds(2));
            coalescer.OnMessage(Progress("layer1", Total / 10_000 * i - 1));
        }

        coalescer.OnMessage(new PodmanMessage(null, "Pushed", "layer1", null, null, null));

        Assert.InRange(passed.Count, 10, 45);
        Assert.Equal(Total - 1, passed[^2].Current);
        Assert.Equal("Pushed", passed[^1].Status);
    }

    [Fact]
    public void OnMessage_WhenLayersInterleave_ThrottlesEachLayerSeparately()
    {
        var time = new ManualTime();
        var passed = new List<PodmanMessage>();
        var coalescer = new ProgressCoalescer(passed.Add, TimeSpan.FromSeconds(1), time);

        coalescer.OnMessage(Progress("a", 10));
        coalescer.OnMessage(Progress("b", 10));
        coalescer.OnMessage(Progress("a", 20));
        coalescer.OnMessage(Progress("b", 20));

        Assert.Equal([("a", 10L), ("b", 10L)], passed.Select(m => (m.Id!, m.Current!.Value)));
    }

    [Fact]
    public void OnMessage_WhenAdvanceBelowOnePercent_HoldsEvenAfterInterval()
    {
        var time = new ManualTime();
        var passed = new List<PodmanMessage>();
        var coalescer = new ProgressCoalescer(passed.Add, TimeSpan.FromMilliseconds(100), time);

        coalescer.OnMessage(Progress("a", 0));
        time.Advance(TimeSpan.FromSeconds(1));
        coalescer.OnMessage(Progress("a", Total / 1000));
        time.Advance(TimeSpan.FromSeconds(1));
        coalescer.OnMessage(Progress("a", Total / 50));

        Assert.Equal([0L, Total / 50], passed.Select(m => m.Current!.Value));
    }

    [Fact]
    public void Flush_WhenUpdatesHeldBack_EmitsTheLatestOfEachLayer()
    {
        var time = new ManualTime();
        var passed = new List<PodmanMessage>();
        var coalescer = new ProgressCoalescer(passed.Add, TimeSpan.FromSeconds(10), time);
        coalescer.OnMessage(Progress("a", 1));
        coalescer.OnMessage(Progress("a", 2));
        coalescer.OnMessage(Progress("a", 3));

        coalescer.Flush();
        coalescer.Flush();

        Assert.Equal([1L, 3L], passed.Select(m => m.Current!.Value));
    }

    [Fact]
    public void OnMessage_WhenTextLineArrives_PassesItAfterHeldBackProgress()
    {
        var time = new ManualTime();
        var passed = new List<PodmanMessage>();
        var coalescer = new ProgressCoalescer(passed.Add, TimeSpan.FromSeconds(10), time);
        coalescer.OnMessage(Progress("a", 1));
        coalescer.OnMessage(Progress("a", 2));

        coalescer.OnMessage(new PodmanMessage("Writing manifest\n", null, null, null, null, null));

        Assert.Equal([1L, 2L], passed.Take(2).Select(m => m.Current!.Value));
        Assert.Equal("Writing manifest\n", passed[2].Stream);
    }

    private static PodmanMessage Progress(string id, long current) => new(null, "Pushing", id, current, Total, null);

    private sealed class ManualTime : TimeProvider
    {
        private long _ticks;

        public override long TimestampFrequency => TimeSpan.TicksPerSecond;

        public override long GetTimestamp() => _ticks;

        public void Advance(TimeSpan by) => _ticks += by.Ticks;
    }
}
