using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using Grpc.Core;
using QuayBuilder.Protocol;
using QuayBuilder.Tests.Faults;

namespace QuayBuilder.Tests.EndToEnd;

/// <summary>
/// The final SetPhase is the worker's last act (issue 14): Quay's manager stops the executor inside
/// it, so the fake manager kills the worker there, and nothing of the build may be left behind.
/// Plus a few of the fault matrix's cases on the published binary.
/// </summary>
[Collection(EndToEndCollection.Name)]
public sealed partial class FinalPhaseTests
{
    private static async Task<WorkerRun> RunWithDockerfileAsync(string dockerfileBody)
    {
        var services = await TestServices.GetAsync();
        var package = BuildPackages.TarGz(new Dictionary<string, string> { ["Dockerfile"] = $"FROM {services.BaseImage}\n{dockerfileBody}" });
        return await WorkerRun.CreateAsync(p => p.Add("build.tar.gz", package));
    }

    /// <summary>The manager's stop: what Popen does to the worker inside on_job_complete.</summary>
    private static void KillInsideFinalPhase(WorkerRun run, Func<Process?> worker, string signal, TimeSpan? answerAfter = null) =>
        run.Manager.StopExecutor = async _ =>
        {
            using (var kill = Process.Start("kill", [signal, worker()!.Id.ToString(CultureInfo.InvariantCulture)]))
            {
                await kill.WaitForExitAsync();
            }

            await Task.Delay(answerAfter ?? TimeSpan.FromSeconds(2));
        };

    private static async Task AssertNothingOfTheBuildLeftAsync(WorkerRun run, bool baseWasThere)
    {
        var socket = run.Services.PodmanSocket;
        var names = await PodmanImages.NamesAsync(socket);
        Assert.DoesNotContain(names, n => n.Contains(run.Repository, StringComparison.Ordinal));
        if (!baseWasThere)
        {
            Assert.DoesNotContain(run.Services.BaseImage, names);
        }

        foreach (var layer in run.Manager.LogLines.Select(l => CommittedLayer().Match(l.Text)).Where(m => m.Success))
        {
            Assert.False(await PodmanImages.ExistsAsync(socket, layer.Groups[1].Value), $"layer image {layer.Groups[1].Value} of the build was left behind");
        }

        Assert.Empty(Directory.EnumerateFileSystemEntries(run.WorkRoot));
    }

    private static async Task<bool> BaseWasThereAsync(WorkerRun run)
    {
        await PodmanImages.RemoveAsync(run.Services.PodmanSocket, run.Services.BaseImage);
        return await PodmanImages.ExistsAsync(run.Services.PodmanSocket, run.Services.BaseImage);
    }

    [Fact]
    public async Task Worker_KilledInsideSetPhaseComplete_HasLeftNoImagesNoWorkDirectoryAndEveryLineAnswered()
    {
        await using var run = await RunWithDockerfileAsync("RUN echo layer-one > /one\nRUN echo layer-two > /two\n");
        Process? worker = null;
        KillInsideFinalPhase(run, () => worker, "-KILL");
        bool baseWasThere = await BaseWasThereAsync(run);

        var result = await run.RunAsync(started: p => worker = p);

        Assert.True(result.ExitCode == 137, result.ToString());
        Assert.Equal(Phase.Complete, run.Manager.PhaseSequence[^1]);
        var events = run.Manager.Events;
        Assert.Equal(Phase.Complete, events[^1].Phase);
        Assert.Contains(events, e => e.Line?.Text.StartsWith("Image ID: ", StringComparison.Ordinal) == true);
        CallAndStreamFaultTests.AssertEveryLineBeforeItsPhaseEnds(events);
        await AssertNothingOfTheBuildLeftAsync(run, baseWasThere);
    }

    [Fact]
    public async Task Worker_KilledInsideSetPhaseError_HasLeftNoImagesNoWorkDirectoryAndTheErrorLineAnswered()
    {
        await using var run = await RunWithDockerfileAsync("RUN echo layer-one > /one\nRUN echo about-to-fail && false\n");
        Process? worker = null;
        KillInsideFinalPhase(run, () => worker, "-KILL");
        bool baseWasThere = await BaseWasThereAsync(run);

        var result = await run.RunAsync(started: p => worker = p);

        Assert.True(result.ExitCode == 137, result.ToString());
        var events = run.Manager.Events;
        Assert.Equal(Phase.Error, events[^1].Phase);
        Assert.Equal("error", events[^2].Line?.Key);
        CallAndStreamFaultTests.AssertEveryLineBeforeItsPhaseEnds(events);
        await AssertNothingOfTheBuildLeftAsync(run, baseWasThere);
    }

    [Fact]
    public async Task Worker_SigtermWhileSetPhaseCompleteIsInFlight_NeverCrashesAndExitsZero()
    {
        for (int attempt = 0; attempt < 3; attempt++)
        {
            await using var run = await RunWithDockerfileAsync("RUN echo sigterm-in-complete\n");
            Process? worker = null;
            KillInsideFinalPhase(run, () => worker, "-TERM", TimeSpan.FromMilliseconds(200 * attempt));

            var result = await run.RunAsync(started: p => worker = p);

            Assert.True(result.ExitCode == 0, result.ToString());
            Assert.DoesNotContain("Unhandled exception", result.Output, StringComparison.Ordinal);
            Assert.Equal(Phase.Complete, run.Manager.PhaseSequence[^1]);
            Assert.Empty(Directory.EnumerateFileSystemEntries(run.WorkRoot));
        }
    }

    [Theory]
    [InlineData(Phase.Building, StatusCode.Unknown, 4)]
    [InlineData(Phase.Complete, StatusCode.Unauthenticated, 4)]
    [InlineData(Phase.Error, StatusCode.Unknown, 1)]
    public async Task Worker_WhenSetPhaseAnswersAServicerError_ExitsWithTheDocumentedStatusNeverCrashing(Phase phase, StatusCode code, int exit)
    {
        await using var run = await RunWithDockerfileAsync(phase == Phase.Error ? "RUN false\n" : "RUN echo fault-matrix\n");
        run.Manager.InjectFault("SetPhase", code, phase, detail: "Exception calling application: injected");

        var result = await run.RunAsync();

        Assert.True(result.ExitCode == exit, result.ToString());
        Assert.DoesNotContain("Unhandled exception", result.Output, StringComparison.Ordinal);
        Assert.DoesNotContain(Phase.Complete, run.Manager.PhaseSequence);
        Assert.DoesNotContain(Phase.Error, run.Manager.PhaseSequence);
        Assert.Empty(Directory.EnumerateFileSystemEntries(run.WorkRoot));
        Assert.DoesNotContain(await PodmanImages.NamesAsync(run.Services.PodmanSocket), n => n.Contains(run.Repository, StringComparison.Ordinal));
    }

    [GeneratedRegex(@"^--> ([0-9a-f]{12,64})\n?$")]
    private static partial Regex CommittedLayer();
}
