using QuayBuilder.Build;
using QuayBuilder.Local;
using QuayBuilder.Logging;

namespace QuayBuilder.Tests.Local;

public sealed class LocalReporterTests
{
    private const string Secret = "push-token-SECRET-123456";

    private readonly StringWriter _out = new();
    private readonly StringWriter _error = new();
    private readonly SecretMasker _masker = new();

    public LocalReporterTests() => _masker.Add(Secret);

    [Fact]
    public async Task Json_WhenLinesAndPhasesArrive_PrintsOnlyTheMaskedManagerJsonOnePerLine()
    {
        var reporter = Create(LocalRenderMode.Json);

        await reporter.SetPhaseAsync(BuildPhase.Building, null, CancellationToken.None);
        reporter.Write(BuildLogMessage.Stream("Step 1/2 : FROM busybox"));
        reporter.Write(BuildLogMessage.Status("Downloading", "abc", 5, 10));
        reporter.Write(BuildLogMessage.Error($"login with {Secret} refused"));
        reporter.RenderCompleted(new BuildResult("sha256:1", [], []), new BuildJobSpec { Registry = "r", Repository = "a/b" }, pushed: null);

        Assert.Equal(
            "{\"stream\":\"Step 1/2 : FROM busybox\\n\"}\n" +
            "{\"status\":\"Downloading\",\"id\":\"abc\",\"progressDetail\":{\"current\":5,\"total\":10}}\n" +
            "{\"error\":\"login with *** refused\"}\n",
            _out.ToString().ReplaceLineEndings("\n"));
        Assert.Equal("login with *** refused", reporter.LastError);
    }

    [Fact]
    public async Task Rich_WhenAStepAndATransferArrive_HighlightsTheStepAndRedrawsOneBarThenEndsIt()
    {
        var reporter = Create(LocalRenderMode.Rich);

        await reporter.SetPhaseAsync(BuildPhase.Pushing, null, CancellationToken.None);
        reporter.Write(BuildLogMessage.Status("Getting image source signatures"));
        reporter.Write(BuildLogMessage.Status("Copying blob sha256:aaaa"));
        reporter.Write(BuildLogMessage.Status("Storing signatures"));
        reporter.Write(BuildLogMessage.Stream("Step 2/3 : RUN make"));

        var text = _out.ToString();
        Assert.Contains("\e[1;36m==> Pushing\e[0m", text, StringComparison.Ordinal);
        Assert.Contains("\r\e[2K  [██░░░░░░░░░░░░░░░░░░]  10% Getting image source signatures", text, StringComparison.Ordinal);
        Assert.Contains("\r\e[2K  [█████████░░░░░░░░░░░]  45% Copying blob sha256:aaaa", text, StringComparison.Ordinal);
        Assert.Contains("] 100% Storing signatures" + Environment.NewLine + "\e[1;34mStep 2/3 : RUN make\e[0m", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Rich_WhenTheRuntimeSendsByteCounts_TheBarShowsBytesPerLayer()
    {
        var reporter = Create(LocalRenderMode.Rich);

        reporter.Write(BuildLogMessage.Status("Downloading", "layer1", 512 * 1024, 1024 * 1024));
        reporter.Write(BuildLogMessage.Status("Downloading", "layer2", 1, 4));

        var text = _out.ToString();
        Assert.Contains("[██████████░░░░░░░░░░]  50% 512.0 KiB/1.0 MiB layer1: Downloading" + Environment.NewLine, text, StringComparison.Ordinal);
        Assert.Contains("[█████░░░░░░░░░░░░░░░]  25% 1 B/4 B layer2: Downloading", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Plain_WhenTheSameEventsArrive_PrintsOneLineEachWithoutEscapeCodesAndMasksSecrets()
    {
        var reporter = Create(LocalRenderMode.Plain);

        await reporter.SetPhaseAsync(BuildPhase.Pulling, new PullMetadata("quay.io", "quay.io/acme/base", "1", string.Empty), CancellationToken.None);
        reporter.Write(BuildLogMessage.Status("Downloading", "layer1", 3, 9));
        reporter.Write(BuildLogMessage.Stream($"Step 1/1 : RUN echo {Secret}"));
        reporter.Write(BuildLogMessage.Error("failed"));

        Assert.Equal(
            "\n==> Pulling the base image quay.io/acme/base:1\nlayer1: Downloading (3/9)\nStep 1/1 : RUN echo ***\n",
            _out.ToString().ReplaceLineEndings("\n"));
    }

    [Fact]
    public void RenderFailure_WhenStderrIsATerminal_PrintsMessageAndWhatToDoInRed()
    {
        var reporter = Create(LocalRenderMode.Rich, errorStyled: true);

        reporter.RenderFailure($"Could not push with {Secret}", "Check the registry.");

        Assert.Equal(
            $"\n\e[1;31mBuild failed: Could not push with ***\e[0m\n\e[1;31mCheck the registry.\e[0m\n",
            _error.ToString().ReplaceLineEndings("\n"));
    }

    [Fact]
    public void RenderCompleted_WhenPushed_ListsImageTagsAndEachDistinctRegistryDigestOnce()
    {
        var reporter = Create(LocalRenderMode.Plain);
        var spec = new BuildJobSpec { Registry = "127.0.0.1:5000", Repository = "demo/hello", Tags = ["latest", "v1", "v2"] };

        reporter.RenderCompleted(new BuildResult("sha256:abc", [], ["127.0.0.1:5000/demo/hello@sha256:local-not-pushed"]), spec, [
            new PushedTag("127.0.0.1:5000/demo/hello:latest", "sha256:def", null),
            new PushedTag("127.0.0.1:5000/demo/hello:v1", "sha256:def", null),
            new PushedTag("127.0.0.1:5000/demo/hello:v2", null, $"401 with {Secret}"),
        ]);

        Assert.Equal(
            "\nBuild complete: pushed\n  Image ID: sha256:abc\n  Tag:      127.0.0.1:5000/demo/hello:latest\n  Tag:      127.0.0.1:5000/demo/hello:v1\n  Tag:      127.0.0.1:5000/demo/hello:v2\n" +
            "  Digest:   127.0.0.1:5000/demo/hello@sha256:def\n  Digest:   unknown for 127.0.0.1:5000/demo/hello:v2: 401 with ***\n",
            _out.ToString().ReplaceLineEndings("\n"));
    }

    [Fact]
    public async Task DetermineCachedTag_WhenGivenOnTheCommandLine_AnswersItAsTheManagerWould()
    {
        Assert.Equal("main", await Create(LocalRenderMode.Plain, cachedTag: "main").DetermineCachedTagAsync("busybox", "latest", "id", CancellationToken.None));
        Assert.Null(await Create(LocalRenderMode.Plain).DetermineCachedTagAsync("busybox", "latest", "id", CancellationToken.None));
    }

    [Theory]
    [InlineData("Step 3/7 : RUN make", true)]
    [InlineData("Step 10/10 : CMD [\"x\"]", true)]
    [InlineData("Step 3 : RUN make", false)]
    [InlineData("Step a/7 : RUN make", false)]
    [InlineData("STEP 3/7: RUN make", false)]
    public void IsStepHeader_WhenGivenALine_RecognisesOnlyQuaysStepHeader(string line, bool expected)
    {
        Assert.Equal(expected, LocalReporter.IsStepHeader(line));
    }

    private LocalReporter Create(LocalRenderMode mode, bool errorStyled = false, string? cachedTag = null) =>
        new(_out, _error, mode, errorStyled, _masker, cachedTag, () => 200);
}
