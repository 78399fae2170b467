using System.Diagnostics;
using System.Text;
using Grpc.Core;
using Microsoft.Extensions.Logging.Abstractions;
using QuayBuilder.Build;
using QuayBuilder.Manager;
using QuayBuilder.Tests.Support;

namespace QuayBuilder.Tests.Manager;

/// <summary>Issue 16: any line of any size reaches the manager, once, and nothing is resent forever.</summary>
public sealed class BuildLogStreamLimitsTests
{
    private static BuildLogStream Open(ManagerTestContext context, BuildLogStreamOptions options, Action<string>? jobGone = null)
    {
        var log = new BuildLogStream(context.Client, context.Session.JobToken, options, jobGone ?? (_ => { }), NullLogger.Instance);
        log.Start();
        return log;
    }

    private static async Task FlushAllAsync(BuildLogStream log, TimeSpan within)
    {
        var watch = Stopwatch.StartNew();
        while (!await log.FlushAsync(CancellationToken.None))
        {
            Assert.True(watch.Elapsed < within, $"the log was not delivered within {within}");
        }
    }

    [Fact]
    public async Task Line_LargerThanTheManagersMessageLimit_ArrivesInPiecesThatReassembleExactly()
    {
        await using var context = await ManagerTestContext.StartAsync();
        await using var log = Open(context, new BuildLogStreamOptions());
        var big = new StringBuilder();
        for (int i = 0; big.Length < 6_000_000; i++)
        {
            big.Append(i).Append("-é€😀|");
        }

        log.Enqueue(BuildLogMessage.Stream("before"), "building");
        log.Enqueue(BuildLogMessage.Stream(big.ToString()), "building");
        log.Enqueue(BuildLogMessage.Stream("after"), "building");
        await FlushAllAsync(log, TimeSpan.FromSeconds(60));

        Assert.True(Encoding.UTF8.GetByteCount(big.ToString()) > FakeManagerMaxMessage, "the line must not fit one message of a default gRPC server");
        var recorded = context.Manager.LogLines;
        Assert.Equal(["before\n", big + "\n", "after\n"], LogReassembly.Lines(recorded));
        Assert.All(recorded, l => Assert.InRange(Encoding.UTF8.GetByteCount(l.Text), 0, BuildLogStreamOptions.DefaultMaxPieceBytes));
        Assert.All(recorded.Skip(1).SkipLast(2), l => Assert.False(l.Text.EndsWith('\n'), "only the last piece ends the line"));
        Assert.Equal(0, log.Refused);
        Assert.Equal(0, context.Manager.RefusedLogRequests);
        Assert.Empty(context.Manager.Violations);
        Assert.InRange(context.Manager.LongestLogStreamBytes, 1, BuildLogStreamOptions.DefaultMaxStreamBytes);
    }

    private const int FakeManagerMaxMessage = Fakes.FakeBuildManager.MaxReceiveMessageSize;

    [Fact]
    public async Task Line_TheManagerRefusesEveryTime_IsReplacedByOneNoticeAtTheCostOfOneStream()
    {
        await using var context = await ManagerTestContext.StartAsync();
        context.Manager.RefuseLogRequest = request => request.LogMessage.Contains("poison", StringComparison.Ordinal);
        await using var log = Open(context, new BuildLogStreamOptions { Window = 16 });

        var sent = Enumerable.Range(0, 60).Select(i => i == 20 ? "poison line" : $"line {i}").ToList();
        foreach (var line in sent)
        {
            log.Enqueue(BuildLogMessage.Stream(line), "building");
        }

        await FlushAllAsync(log, TimeSpan.FromSeconds(20));

        var texts = context.Manager.LogLines.Select(l => l.Text).ToList();
        Assert.Equal(sent.Take(20).Select(t => t + "\n"), texts.Take(20));
        Assert.StartsWith("Warning: a log line of 12 bytes was dropped: the build manager refused it (ResourceExhausted: injected: this log message is refused)", texts[20], StringComparison.Ordinal);
        Assert.Equal(sent.Skip(21).Select(t => t + "\n"), texts.Skip(21));
        Assert.Equal(1, context.Manager.RefusedLogRequests);
        Assert.Equal(2, context.Manager.LogStreamsOpened);
        Assert.Equal(1, log.Refused);
        Assert.Empty(context.Manager.Violations);
    }

    [Fact]
    public async Task Lines_PastTheStreamBound_MoveToANewStreamAfterEveryAnswerAndNoneIsStoredTwice()
    {
        await using var context = await ManagerTestContext.StartAsync();
        context.Manager.LogLatency = TimeSpan.FromMilliseconds(5);
        const long streamBound = 64 * 1024;
        await using var log = Open(context, new BuildLogStreamOptions { Window = 64, MaxStreamBytes = streamBound });

        var sent = Enumerable.Range(0, 3000).Select(i => $"line {i} " + new string('x', 80)).ToList();
        foreach (var line in sent)
        {
            log.Enqueue(BuildLogMessage.Stream(line), "building");
        }

        await FlushAllAsync(log, TimeSpan.FromSeconds(60));

        var recorded = context.Manager.LogLines;
        Assert.Equal(sent.Select(t => t + "\n"), recorded.Select(l => l.Text));
        Assert.Equal(recorded.Select(l => l.Sequence).Order(), recorded.Select(l => l.Sequence));
        Assert.InRange(context.Manager.LongestLogStreamBytes, 1, streamBound);
        Assert.True(context.Manager.LogStreamsOpened >= 4, $"streams: {context.Manager.LogStreamsOpened}");
        Assert.Equal(context.Manager.LogStreamsOpened, log.StreamsOpened);
        Assert.True(context.Manager.LogStreamsCompleted >= context.Manager.LogStreamsOpened - 1, "every stream but the open one was closed cleanly");
        Assert.Empty(context.Manager.Violations);
    }

    [Fact]
    public async Task Stream_WhenIdle_IsOpenedOnlyForALineAndClosedCleanlyAfterTheIdleBound()
    {
        await using var context = await ManagerTestContext.StartAsync();
        await using var log = Open(context, new BuildLogStreamOptions { IdleClose = TimeSpan.FromMilliseconds(400) });

        await Task.Delay(600);
        Assert.Equal(0, context.Manager.LogStreamsOpened);

        for (int i = 0; i < 10; i++)
        {
            log.Enqueue(BuildLogMessage.Stream($"first {i}"), "building");
        }

        await FlushAllAsync(log, TimeSpan.FromSeconds(10));
        await WaitUntilAsync(() => context.Manager.LogStreamsCompleted == 1, TimeSpan.FromSeconds(5));
        await Task.Delay(1000);
        Assert.Equal(1, context.Manager.LogStreamsOpened);

        for (int i = 0; i < 10; i++)
        {
            log.Enqueue(BuildLogMessage.Stream($"second {i}"), "building");
        }

        await FlushAllAsync(log, TimeSpan.FromSeconds(10));

        Assert.Equal(2, context.Manager.LogStreamsOpened);
        Assert.Equal(
            Enumerable.Range(0, 10).Select(i => $"first {i}\n").Concat(Enumerable.Range(0, 10).Select(i => $"second {i}\n")),
            context.Manager.LogLines.Select(l => l.Text));
    }

    [Fact]
    public async Task Lines_WhenTheStreamBreaks_OnlyTheUnansweredOnesAreSentAgain()
    {
        await using var context = await ManagerTestContext.StartAsync();
        context.Manager.BreakLogStreamAfter = 60;
        context.Manager.LogStreamBreaks = 2;
        await using var log = Open(context, new BuildLogStreamOptions { Window = 16 });

        for (int i = 0; i < 300; i++)
        {
            log.Enqueue(BuildLogMessage.Stream($"line {i}"), "building");
        }

        await FlushAllAsync(log, TimeSpan.FromSeconds(30));

        Assert.Equal(3, context.Manager.LogStreamsOpened);
        Assert.Equal(Enumerable.Range(0, 300).Select(i => $"line {i}\n"), context.Manager.LogLines.Select(l => l.Text));
        Assert.Equal(0, log.Refused);
    }

    [Fact]
    public async Task Log_PastItsBound_IsCutWithOneNoticeKeepsErrorsAndFlushSaysHowMuchWasLeftOut()
    {
        await using var context = await ManagerTestContext.StartAsync();
        await using var log = Open(context, new BuildLogStreamOptions { MaxLogBytes = 1000 });

        // 20 lines of 50 bytes fill the bound exactly.
        for (int i = 0; i < 50; i++)
        {
            log.Enqueue(BuildLogMessage.Stream($"{i:D3} " + new string('y', 45)), "building");
        }

        log.Enqueue(BuildLogMessage.Error("the build failed: but this is said"), "building");
        await FlushAllAsync(log, TimeSpan.FromSeconds(10));

        var texts = context.Manager.LogLines.Select(l => l.Text).ToList();
        Assert.Equal(Enumerable.Range(0, 20).Select(i => $"{i:D3} " + new string('y', 45) + "\n"), texts.Take(20));
        Assert.Equal(23, texts.Count);
        Assert.Contains("reached its limit of 1,000 bytes (LOG_MAX_BYTES)", texts[20], StringComparison.Ordinal);
        Assert.Equal("the build failed: but this is said", texts[21]);
        Assert.Contains("1,500 bytes in 30 lines of output were left out", texts[22], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Flush_WhenTheManagerAnswersLate_GivesUpAtItsBoundAndTheLinesArriveLater()
    {
        await using var context = await ManagerTestContext.StartAsync();
        context.Manager.LogLatency = TimeSpan.FromSeconds(3);
        await using var log = Open(context, new BuildLogStreamOptions { FlushTimeout = TimeSpan.FromMilliseconds(300) });
        log.Enqueue(BuildLogMessage.Stream("slow"), "building");

        var watch = Stopwatch.StartNew();
        bool delivered = await log.FlushAsync(CancellationToken.None);
        watch.Stop();

        Assert.False(delivered);
        Assert.InRange(watch.Elapsed, TimeSpan.FromMilliseconds(250), TimeSpan.FromSeconds(2));
        await FlushAllAsync(log, TimeSpan.FromSeconds(10));
        Assert.Equal(["slow\n"], context.Manager.LogLines.Select(l => l.Text));
    }

    [Fact]
    public async Task Lines_SplitWhileOtherThreadsWrite_KeepTheirPiecesTogether()
    {
        await using var context = await ManagerTestContext.StartAsync();
        await using var log = Open(context, new BuildLogStreamOptions { Window = 8, MaxPieceBytes = 1024 });

        await Task.WhenAll(Enumerable.Range(0, 4).Select(t => Task.Run(() =>
        {
            for (int i = 0; i < 50; i++)
            {
                log.Enqueue(BuildLogMessage.Stream($"t{t} {i} " + new string((char)('a' + t), i * 100)), "building");
            }
        })));
        await FlushAllAsync(log, TimeSpan.FromSeconds(30));

        var lines = LogReassembly.Lines(context.Manager.LogLines);
        for (int t = 0; t < 4; t++)
        {
            Assert.Equal(
                Enumerable.Range(0, 50).Select(i => $"t{t} {i} " + new string((char)('a' + t), i * 100) + "\n"),
                lines.Where(l => l.StartsWith($"t{t} ", StringComparison.Ordinal)));
        }

        Assert.Empty(context.Manager.Violations);
    }

    [Theory]
    [InlineData(StatusCode.ResourceExhausted, false, true)]
    [InlineData(StatusCode.Unknown, false, true)]
    [InlineData(StatusCode.InvalidArgument, false, true)]
    [InlineData(StatusCode.Unknown, true, false)]
    [InlineData(StatusCode.Internal, true, false)]
    [InlineData(StatusCode.Internal, false, false)]
    [InlineData(StatusCode.Unavailable, false, false)]
    [InlineData(StatusCode.Cancelled, false, false)]
    public void IsRefusal_OnlyTheServersOwnVerdictOnWhatItWasSent(StatusCode code, bool transportCause, bool refusal) =>
        Assert.Equal(refusal, BuildLogStream.IsRefusal(new Status(code, "x", transportCause ? new IOException("reset") : null)));

    private static async Task WaitUntilAsync(Func<bool> condition, TimeSpan within)
    {
        var watch = Stopwatch.StartNew();
        while (!condition())
        {
            Assert.True(watch.Elapsed < within, "the condition did not hold in time");
            await Task.Delay(50);
        }
    }
}
