using QuayBuilder.Build;
using QuayBuilder.BuildContext;
using QuayBuilder.Tests.Fakes;

namespace QuayBuilder.Tests.Build;

public sealed class StepHeaderTranslatorTests
{
    private static StepHeaderTranslator For(string dockerfile) => new(DockerfileParser.Parse(dockerfile));

    private static List<string> Headers(StepHeaderTranslator translator, params string[] lines)
    {
        var headers = new List<string>();
        foreach (var line in lines)
        {
            var sent = translator.Translate(line, out bool header);
            Assert.Equal(header, FakeBuildManager.IsCommand(sent));
            if (header)
            {
                headers.Add(sent);
            }
        }

        return headers;
    }

    [Fact]
    public void Translate_PodmansStepHeadersInOrder_BecomeDockersFormThatQuayRecognises()
    {
        var translator = For("FROM busybox\nRUN make && \\\n    make   install\nCOPY --from=build /out /srv\n");

        var headers = Headers(translator,
            "STEP 1/3: FROM busybox",
            "STEP 2/3: RUN make &&     make   install",
            "compiling",
            "--> 843c3ccc4b7",
            "STEP 3/3: COPY --from=build /out /srv");

        Assert.Equal(["Step 1/3 : FROM busybox", "Step 2/3 : RUN make &&     make   install", "Step 3/3 : COPY --from=build /out /srv"], headers);
        Assert.False(FakeBuildManager.IsCommand("STEP 1/3: FROM busybox"));
    }

    [Fact]
    public void Translate_LabelStepsPodmanAppendsForProvenance_AreHeadersToo_AndAnyOtherExtraStepIsNot()
    {
        // Podman 4.3.1 appends one LABEL step per label sent with the request (ADR 0012).
        var translator = new StepHeaderTranslator(DockerfileParser.Parse("FROM busybox\nRUN true\n"), appendedLabels: 2);

        var headers = Headers(translator,
            "STEP 1/4: FROM busybox",
            "STEP 2/4: RUN true",
            "STEP 3/4: LABEL \"org.opencontainers.image.revision\"=\"abc\"",
            "STEP 4/4: RUN rm -rf /",
            "STEP 4/4: LABEL \"org.opencontainers.image.created\"=\"2026-01-01T00:00:00Z\"");

        Assert.Equal(
            ["Step 1/4 : FROM busybox", "Step 2/4 : RUN true", "Step 3/4 : LABEL \"org.opencontainers.image.revision\"=\"abc\"", "Step 4/4 : LABEL \"org.opencontainers.image.created\"=\"2026-01-01T00:00:00Z\""],
            headers);
    }

    [Fact]
    public void Translate_WhenLabelsWereSentButTheEngineAppendsNoSteps_TheDockerfilesCountStillWorks()
    {
        var translator = new StepHeaderTranslator(DockerfileParser.Parse("FROM busybox\nRUN true\n"), appendedLabels: 3);

        var headers = Headers(translator, "STEP 1/2: FROM busybox", "STEP 2/2: RUN true");

        Assert.Equal(["Step 1/2 : FROM busybox", "Step 2/2 : RUN true"], headers);
    }

    [Fact]
    public void Translate_MultiStageHeaders_FollowTheStagesAndTheirOwnStepCounts()
    {
        var translator = For("ARG B=busybox\nFROM $B AS one\nRUN echo a\nFROM ${B}\nCOPY --from=one /etc/hostname /x\nRUN echo b\n");

        // Measured on Podman 4.3.1: the stage prefix, per-stage numbering, FROM after ARG substitution.
        var headers = Headers(translator,
            "[1/2] STEP 1/2: FROM busybox AS one",
            "[1/2] STEP 2/2: RUN echo a",
            "a",
            "[2/2] STEP 1/3: FROM busybox",
            "[2/2] STEP 2/3: COPY --from=one /etc/hostname /x",
            "[2/2] STEP 3/3: RUN echo b");

        Assert.Equal(5, headers.Count);
        Assert.Equal("Step 2/3 : COPY --from=one /etc/hostname /x", headers[3]);
    }

    [Fact]
    public void Translate_AStepLinePrintedByARunStep_IsNotAHeader()
    {
        var translator = For("FROM busybox\nRUN echo 'STEP 9/9: x'; echo 'STEP 3/4: COPY a b'\nCOPY a b\nRUN true\n");

        var headers = Headers(translator,
            "STEP 1/4: FROM busybox",
            "STEP 2/4: RUN echo 'STEP 9/9: x'; echo 'STEP 3/4: COPY a b'",
            "STEP 9/9: x",           // not this build's step count
            "STEP 2/4: RUN echo x",  // not the next step
            "STEP 3/4: COPY x y",    // the next step, but not its instruction
            "STEP 3/4: COPY a b",
            "STEP 4/4: RUN true");

        Assert.Equal(4, headers.Count);
        Assert.Equal(4, translator.Headers);
    }

    [Theory]
    [InlineData("Step 3/9 : RUN make")]
    [InlineData("building... Step 3/9 : almost")]
    [InlineData("Step 4 : RUN true")]
    [InlineData("x Step 1/2 : a Step 2/2 : b")]
    public void Translate_OutputThatQuayWouldTakeForAHeader_IsNeutralisedButReadsTheSame(string line)
    {
        var translator = For("FROM busybox\nRUN true\n");

        var sent = translator.Translate(line, out bool header);

        Assert.False(header);
        Assert.False(FakeBuildManager.IsCommand(sent));
        Assert.Equal(line, sent.Replace('\u00A0', ' '));
    }

    [Theory]
    [InlineData("hello")]
    [InlineData("COMMIT 127.0.0.1:5000/acme/web:latest")]
    [InlineData("--> 843c3ccc4b7")]
    [InlineData("echo STEP 1/2: not at the start")]
    [InlineData("STEP x/y: not numbers")]
    public void Translate_OtherLines_AreLeftAlone(string line)
    {
        var translator = For("FROM busybox\nRUN true\n");
        Assert.Same(line, translator.Translate(line, out bool header));
        Assert.False(header);
    }
}
