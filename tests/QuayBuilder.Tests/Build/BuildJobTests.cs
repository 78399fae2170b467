using Microsoft.Extensions.Logging.Abstractions;
using QuayBuilder.Build;
using QuayBuilder.Local;
using QuayBuilder.Podman;
using QuayBuilder.Tests.Fakes;

namespace QuayBuilder.Tests.Build;

/// <summary>BuildJob with hand-written fakes of its interfaces: no Podman, no manager.</summary>
public sealed class BuildJobTests : IDisposable
{
    private const string Repository = "registry.test:5000/acme/web";
    private readonly string _root = Directory.CreateTempSubdirectory("qb-buildjob-").FullName;
    private readonly List<string> _journal = [];

    public BuildJobTests()
    {
        Directory.CreateDirectory(Path.Combine(_root, "source"));
        Directory.CreateDirectory(Path.Combine(_root, "work"));
        File.WriteAllText(Path.Combine(_root, "source", "Dockerfile"), "FROM busybox\nRUN echo hello\n");
        Runtime = new FakeContainerRuntime(_journal);
        Reporter = new RecordingReporter(_journal);
    }

    private FakeContainerRuntime Runtime { get; }

    private RecordingReporter Reporter { get; }

    private string WorkRoot => Path.Combine(_root, "work");

    public void Dispose()
    {
        WorkDirectory.Delete(_root);
    }

    private async Task<(BuildResult? Result, BuildFailure? Failure)> RunAsync(BuildJobOptions? options = null, JobAbort? abort = null)
    {
        var spec = new BuildJobSpec
        {
            LocalPath = Path.Combine(_root, "source"),
            Repository = "acme/web",
            Registry = "registry.test:5000",
            PushToken = "push-token",
            Tags = ["latest", "v1"],
        };
        options ??= new BuildJobOptions();
        options = options with
        {
            WorkRoot = WorkRoot,
            PhaseFlushTimeout = TimeSpan.FromSeconds(5),
            RetryPolicy = Backoff.RegistryTransfer with { InitialDelay = TimeSpan.FromMilliseconds(5) },
        };
        var job = new BuildJob(spec, Reporter, _ => Task.FromResult<IContainerRuntime>(Runtime), options, new NoServiceNotifier(), NullLogger.Instance);
        using var owned = abort is null ? new JobAbort() : null;
        try
        {
            return (await job.RunAsync(abort ?? owned!), null);
        }
        catch (BuildFailure failure)
        {
            return (null, failure);
        }
    }

    private string BaseImage => Assert.Single(_journal, e => e.StartsWith("pull ", StringComparison.Ordinal))["pull ".Length..];

    [Fact]
    public async Task RunAsync_WhenTheBuildSucceeds_CleansUpAndWaitsForEveryLineBeforeCompleteWhichIsTheLastAct()
    {
        bool workLeftAtComplete = true;
        Reporter.PhaseFailure = phase =>
        {
            if (phase == BuildPhase.Complete)
            {
                workLeftAtComplete = Directory.EnumerateFileSystemEntries(WorkRoot).Any();
            }

            return null;
        };

        var (result, failure) = await RunAsync();

        Assert.Null(failure);
        Assert.NotNull(result);
        Assert.Equal(["Unpacking", "Pulling", "Building", "Pushing", "Complete"], Reporter.Phases);
        Assert.All(Reporter.UnflushedAtPhase, unflushed => Assert.Equal(0, unflushed));
        Assert.Equal("phase Complete", _journal[^1]);
        Assert.False(workLeftAtComplete, "the work directory was removed before COMPLETE");
        Assert.Equal([$"{Repository}:latest", $"{Repository}:v1", FakeContainerRuntime.ImageId, "0123456789ab", "1111111111aa", BaseImage], Runtime.Removed);
        Assert.DoesNotContain("prune", _journal);
        Assert.Contains("Step 1/2 : FROM busybox", Reporter.Lines);
        Assert.Contains("Step 2/2 : RUN echo hello", Reporter.Lines);
    }

    /// <summary>Podman 4.3.1's API after a forced removal of the base mid-build (ADR 0013): tag made, the cleanup line, then the cause as the error.</summary>
    private static string[] TaggedThenCleanupError(string tag) =>
        ["STEP 1/2: FROM busybox", "STEP 2/2: RUN echo hello", "--> 1111111111aa", "COMMIT " + tag, "--> 0123456789ab", "Successfully tagged " + tag,
         "time=\"2026-11-29T22:11:44Z\" level=error msg=\"error deleting build container \\\"45a8ff37\\\": identifier is not a container\\n\""];

    [Fact]
    public async Task RunAsync_WhenPodmanFailsToDeleteABuildContainerAfterTaggingTheRequestedTag_WarnsOnceAndSucceeds()
    {
        Runtime.BuildOutput = TaggedThenCleanupError($"{Repository}:latest");
        Runtime.BuildFailure = new PodmanException("identifier is not a container");
        Runtime.Present.Add($"{Repository}:latest");

        var (result, failure) = await RunAsync();

        Assert.Null(failure);
        Assert.Equal(FakeContainerRuntime.ImageId, result?.ImageId);
        var warning = Assert.Single(Reporter.Lines, l => l.StartsWith("Warning:", StringComparison.Ordinal));
        Assert.StartsWith("Warning: Podman committed and tagged the image but could not delete a build container afterwards (error deleting build container: identifier is not a container)", warning, StringComparison.Ordinal);
        Assert.Equal("Complete", Reporter.Phases[^1]);
    }

    [Theory]
    [InlineData("another/name:latest", "identifier is not a container")]
    [InlineData(Repository + ":latest", "error building at STEP \"RUN echo hello\": exit status 1")]
    public async Task RunAsync_WhenTheBuildErrorIsNotTheCleanupOfTheRequestedTag_FailsAsBefore(string taggedAs, string error)
    {
        Runtime.BuildOutput = TaggedThenCleanupError(taggedAs);
        Runtime.BuildFailure = new PodmanException(error);
        Runtime.Present.Add(taggedAs);

        var (_, failure) = await RunAsync();

        Assert.Equal(FailureKind.Build, failure?.Kind);
        Assert.Equal($"The build failed: {error}", failure?.Message);
        Assert.DoesNotContain(Reporter.Lines, l => l.StartsWith("Warning:", StringComparison.Ordinal));
    }

    [Fact]
    public async Task RunAsync_WhenTheBaseImageWasInStorageBefore_LeavesIt()
    {
        Runtime.Present.Add("docker.io/library/busybox:latest");
        Runtime.Present.Add("busybox");
        Runtime.Present.Add("busybox:latest");

        var (_, failure) = await RunAsync();

        Assert.Null(failure);
        Assert.DoesNotContain(BaseImage, Runtime.Removed);
        Assert.Contains(FakeContainerRuntime.ImageId, Runtime.Removed);
    }

    [Fact]
    public async Task RunAsync_WhenAnImageIsStillInUseByAnotherBuild_KeepsItAndCompletes()
    {
        Runtime.InUse.Add("docker.io/library/busybox:latest");
        Runtime.InUse.Add("busybox");
        Runtime.InUse.Add("busybox:latest");

        var (result, failure) = await RunAsync();

        Assert.Null(failure);
        Assert.NotNull(result);
        Assert.Equal("Complete", Reporter.Phases[^1]);
        Assert.Empty(Reporter.Errors);
    }

    [Fact]
    public async Task RunAsync_WhenARunStepFails_SendsTheErrorLineCleansUpWaitsThenSetsErrorLast()
    {
        Runtime.BuildFailure = new PodmanException("building at STEP \"RUN echo hello\": while running runtime: exit status 1");

        var (_, failure) = await RunAsync();

        Assert.NotNull(failure);
        Assert.Equal(FailureKind.Build, failure.Kind);
        Assert.Equal(1, FailureOutcome.For(failure.Kind).ExitCode);
        Assert.Equal(["Unpacking", "Pulling", "Building", "Error"], Reporter.Phases);
        var error = Assert.Single(Reporter.Errors);
        Assert.Contains("exit status 1", error, StringComparison.Ordinal);
        int errorAt = _journal.FindIndex(e => e.StartsWith("error ", StringComparison.Ordinal));
        int firstRemove = _journal.FindIndex(e => e.StartsWith("remove ", StringComparison.Ordinal));
        int lastFlush = _journal.LastIndexOf("flush");
        Assert.True(errorAt < firstRemove && firstRemove < lastFlush, string.Join("\n", _journal));
        Assert.Equal("phase Error", _journal[^1]);
        Assert.Contains("1111111111aa", Runtime.Removed);
        Assert.Empty(Directory.EnumerateFileSystemEntries(WorkRoot));
    }

    [Fact]
    public async Task RunAsync_WhenTheRuntimeDiesMidBuild_SendsNoFinalPhaseAndSaysTheBuildWillBeRetried()
    {
        Runtime.DuringBuild = _ =>
        {
            Runtime.Dead = true;
            throw FakeContainerRuntime.Unreachable("Building");
        };

        var (_, failure) = await RunAsync();

        Assert.NotNull(failure);
        Assert.Equal(FailureKind.Infrastructure, failure.Kind);
        Assert.Equal(new FailureOutcome(null, 5), FailureOutcome.For(failure.Kind));
        Assert.Equal(["Unpacking", "Pulling", "Building"], Reporter.Phases);
        var error = Assert.Single(Reporter.Errors);
        Assert.Contains("retried on another builder", error, StringComparison.Ordinal);
        Assert.Contains("no longer answers", error, StringComparison.Ordinal);
        Assert.Equal("flush", _journal[^1]);
        Assert.Empty(Directory.EnumerateFileSystemEntries(WorkRoot));
    }

    [Theory]
    [InlineData("Pulling")]
    [InlineData("Building")]
    [InlineData("Pushing")]
    public async Task RunAsync_WhenTheManagerRefusesAPhase_CleansUpAndSendsNoFinalPhase(string refusedPhase)
    {
        var refused = Enum.Parse<BuildPhase>(refusedPhase);
        Reporter.PhaseFailure = phase => phase == refused ? new BuildFailure(FailureKind.JobGone, "The build manager no longer accepts this job") : null;

        var (_, failure) = await RunAsync();

        Assert.Equal(FailureKind.JobGone, failure?.Kind);
        Assert.Equal(refused.ToString(), Reporter.Phases[^1]);
        Assert.Empty(Directory.EnumerateFileSystemEntries(WorkRoot));
        if (refused != BuildPhase.Pulling)
        {
            Assert.Contains(BaseImage, Runtime.Removed);
        }
    }

    [Fact]
    public async Task RunAsync_WhenCompleteIsRefused_EndsAsJobGoneAfterCleanup()
    {
        Reporter.PhaseFailure = phase => phase == BuildPhase.Complete ? new BuildFailure(FailureKind.JobGone, "refused complete") : null;

        var (_, failure) = await RunAsync();

        Assert.Equal(FailureKind.JobGone, failure?.Kind);
        Assert.Equal(4, FailureOutcome.For(FailureKind.JobGone).ExitCode);
        Assert.Contains(FakeContainerRuntime.ImageId, Runtime.Removed);
        Assert.Empty(Reporter.Errors);
    }

    [Fact]
    public async Task RunAsync_WhenStoppedDuringTheBuild_ReportsTheStopCleansUpAndSendsNoFinalPhase()
    {
        using var abort = new JobAbort();
        Runtime.DuringBuild = async ct =>
        {
            abort.Abort(FailureKind.Cancelled, "build stopped: the worker received SIGTERM.");
            await Task.Delay(Timeout.Infinite, ct);
        };

        var (_, failure) = await RunAsync(abort: abort);

        Assert.Equal(FailureKind.Cancelled, failure?.Kind);
        Assert.Equal("Building", Reporter.Phases[^1]);
        Assert.StartsWith("build stopped: the worker received SIGTERM.", Assert.Single(Reporter.Errors), StringComparison.Ordinal);
        Assert.Empty(Directory.EnumerateFileSystemEntries(WorkRoot));
    }

    [Fact]
    public async Task RunAsync_WhenAnUnexpectedExceptionEscapesAPhase_ReportsAnInternalFailureInsteadOfCrashing()
    {
        Runtime.BuildFailure = new InvalidOperationException("boom");

        var (_, failure) = await RunAsync();

        Assert.Equal(FailureKind.Internal, failure?.Kind);
        Assert.Equal(new FailureOutcome(BuildPhase.Error, 7), FailureOutcome.For(FailureKind.Internal));
        Assert.Contains("boom", Assert.Single(Reporter.Errors), StringComparison.Ordinal);
        Assert.Equal("phase Error", _journal[^1]);
    }

    [Fact]
    public async Task RunAsync_WhenPullAndPushFailTwice_TheOneRetryHelperTriesThreeTimes()
    {
        int pulls = 0, pushes = 0;
        Runtime.PullFailure = _ => ++pulls <= 2 ? new PodmanException("registry answered 502") : null;
        Runtime.PushFailure = d => d.EndsWith(":latest", StringComparison.Ordinal) && ++pushes <= 2 ? new PodmanException("registry answered 502") : null;

        var (_, failure) = await RunAsync();

        Assert.Null(failure);
        Assert.Equal(3, Runtime.Pulls);
        Assert.Equal(4, Runtime.Pushes);
        Assert.Equal(4, Reporter.Lines.Count(l => l.Contains("retrying in", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task RunAsync_WhenTheBaseImageCannotBePulled_IsTheBuildsFailureWithErrorNotARequeue()
    {
        Runtime.PullFailure = _ => new PodmanException("Pulling busybox failed (HTTP 404): manifest unknown. Check the image name.") { StatusCode = 404 };

        var (_, failure) = await RunAsync();

        Assert.Equal(FailureKind.Build, failure?.Kind);
        Assert.Equal(3, Runtime.Pulls);
        Assert.Equal("Error", Reporter.Phases[^1]);
        Assert.DoesNotContain("retried on another builder", Assert.Single(Reporter.Errors), StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_RunOutputThatLooksLikeAStepHeader_NeverBecomesOne()
    {
        Runtime.BuildOutput = ["STEP 1/2: FROM busybox", "STEP 2/2: RUN echo hello", "STEP 9/9: x", "Step 3/9 : y", "--> 0123456789ab"];

        var (_, failure) = await RunAsync();

        Assert.Null(failure);
        Assert.Equal(2, Reporter.Lines.Count(FakeBuildManager.IsCommand));
        Assert.Contains("STEP 9/9: x", Reporter.Lines);
        Assert.Contains("Step\u00A03/9 : y", Reporter.Lines);
    }

    [Fact]
    public async Task RunAsync_WithDebug_KeepsTheWorkDirectoryAndEveryImage()
    {
        var (_, failure) = await RunAsync(new BuildJobOptions { KeepArtifacts = true });

        Assert.Null(failure);
        Assert.Empty(Runtime.Removed);
        Assert.NotEmpty(Directory.EnumerateFileSystemEntries(WorkRoot));
        Assert.Equal("phase Complete", _journal[^1]);
    }
}
