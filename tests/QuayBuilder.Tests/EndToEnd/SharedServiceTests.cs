using QuayBuilder.Protocol;

namespace QuayBuilder.Tests.EndToEnd;

/// <summary>
/// Several builds on one Podman service (Quay's popen executor, or `local` beside a worker): one
/// build's cleanup must not touch what another is using (issue 14).
/// </summary>
[Collection(EndToEndCollection.Name)]
public sealed class SharedServiceTests
{
    [Fact]
    public async Task TwoWorkers_OnOnePodmanServiceWithTheSameBase_OneFinishingWhileTheOtherRuns_BothComplete()
    {
        var services = await TestServices.GetAsync();
        await PodmanImages.RemoveAsync(services.PodmanSocket, services.BaseImage);
        bool baseWasThere = await PodmanImages.ExistsAsync(services.PodmanSocket, services.BaseImage);
        var quick = BuildPackages.TarGz(new Dictionary<string, string> { ["Dockerfile"] = $"FROM {services.BaseImage}\nRUN echo quick-{Guid.NewGuid():N}\n" });
        var slowStart = $"slow-start-{Guid.NewGuid():N}";
        var slow = BuildPackages.TarGz(new Dictionary<string, string> { ["Dockerfile"] = $"FROM {services.BaseImage}\nRUN echo {slowStart} && sleep 6 && echo slow-done\n" });
        await using var first = await WorkerRun.CreateAsync(p => p.Add("quick.tar.gz", quick));
        await using var second = await WorkerRun.CreateAsync(p => p.Add("slow.tar.gz", slow));

        // The first worker pulls the base (so it is the one to remove it), then waits in its
        // SetPhase(BUILDING) until the second one's RUN step is running on that same base.
        var secondRunning = new TaskCompletionSource();
        var firstBuilding = new TaskCompletionSource();
        first.Manager.OnPhase = phase =>
        {
            if (phase == Phase.Building)
            {
                firstBuilding.TrySetResult();
                secondRunning.Task.Wait(TimeSpan.FromSeconds(12));
            }
        };
        second.Manager.OnPhase = phase =>
        {
            if (phase == Phase.Building)
            {
                // The RUN step has printed its first line: it runs on the base now.
                _ = second.Manager.WaitForLogLineAsync(slowStart + "\n").ContinueWith(_ => secondRunning.TrySetResult(), TaskScheduler.Default);
            }
        };

        var firstRun = first.RunAsync(TimeSpan.FromMinutes(2));
        await firstBuilding.Task.WaitAsync(TimeSpan.FromMinutes(1));
        var secondRun = second.RunAsync(TimeSpan.FromMinutes(2));
        var firstResult = await firstRun;
        bool secondStillRunning = !secondRun.IsCompleted;
        bool baseStayed = await PodmanImages.ExistsAsync(services.PodmanSocket, services.BaseImage);
        var secondResult = await secondRun;

        Assert.True(firstResult.ExitCode == 0, firstResult.ToString());
        Assert.True(secondRunning.Task.IsCompleted, "the second build's RUN step was running while the first finished");
        Assert.True(secondStillRunning, "the first worker finished while the second was still running");
        Assert.True(secondResult.ExitCode == 0, secondResult.ToString());

        // The first worker pulled the base, so it tried to remove it: Podman refused (409), the
        // second build's RUN container uses it. (Unless another build on this shared service held it.)
        Assert.True(baseStayed || baseWasThere, "the base image the second build runs on was removed");
        Assert.Equal(Phase.Complete, second.Manager.PhaseSequence[^1]);
        Assert.Contains(second.Manager.LogLines, l => l.Text == "slow-done\n");

        // The first worker's base stayed for the second; it is nobody's now: leave the service as found.
        await PodmanImages.RemoveAsync(services.PodmanSocket, services.BaseImage);
    }
}
