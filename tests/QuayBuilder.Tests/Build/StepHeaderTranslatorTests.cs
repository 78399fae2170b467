using QuayBuilder.Build;
using QuayBuilder.Tests.Fakes;

namespace QuayBuilder.Tests.Build;

public sealed class StepHeaderTranslatorTests
{
    [Theory]
    [InlineData("STEP 1/3: FROM busybox", "Step 1/3 : FROM busybox")]
    [InlineData("STEP 2/5: RUN make && make install", "Step 2/5 : RUN make && make install")]
    [InlineData("STEP 12/12: COPY --from=build /out /srv", "Step 12/12 : COPY --from=build /out /srv")]
    [InlineData("STEP 4: RUN true", "Step 4 : RUN true")]
    public void Translate_PodmanStepHeaders_BecomeDockersFormThatQuayRecognises(string podman, string docker)
    {
        var translated = StepHeaderTranslator.Translate(podman);
        Assert.Equal(docker, translated);
        Assert.True(FakeBuildManager.IsCommand(translated));
        Assert.False(FakeBuildManager.IsCommand(podman));
    }

    [Theory]
    [InlineData("hello")]
    [InlineData("COMMIT 127.0.0.1:5000/acme/web:latest")]
    [InlineData("--> 843c3ccc4b7")]
    [InlineData("echo STEP 1/2: not at the start")]
    [InlineData("STEP x/y: not numbers")]
    public void Translate_OtherLines_AreLeftAlone(string line) =>
        Assert.Same(line, StepHeaderTranslator.Translate(line));
}
