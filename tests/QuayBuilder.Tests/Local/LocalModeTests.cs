using System.Diagnostics;
using QuayBuilder.Tests.EndToEnd;

namespace QuayBuilder.Tests.Local;

/// <summary>`quay-builder local` (the published AOT binary) on each kind of source, against real Podman and a registry.</summary>
[Collection(EndToEndCollection.Name)]
public sealed class LocalModeTests
{
    private const string SampleBase = "127.0.0.1:5055/library/busybox:latest";

    [Fact]
    public async Task Local_WhenGivenTheSampleDirectoryWithPush_PushesTheTagWithTheSampleFilesAndPrintsTheDigest()
    {
        await using var run = await LocalRun.CreateAsync();
        var sample = CopySample(run);
        var repository = LocalRun.NewRepository("dir");
        var reference = $"{run.Services.Registry}/{repository}:v1";
        run.LeavesImage(reference);
        var password = "local-push-password-SECRET-" + Guid.NewGuid().ToString("N");

        var result = await run.RunAsync(sample, "--registry", run.Services.Registry, "--repository", repository, "--tag", "v1",
            "--push", "--password-file", run.SecretFile("password", password));

        Assert.True(result.ExitCode == 0, result.ToString());
        using var registry = new RegistryProbe(run.Services.Registry);
        Assert.Equal(["v1"], await registry.TagsAsync(repository));
        Assert.Equal("Hello from a Quay build, run locally.\n", await registry.ReadFileAsync(repository, "v1", "srv/hello/greeting.txt"));
        Assert.Equal("built by quay-builder local\n", await registry.ReadFileAsync(repository, "v1", "srv/hello/built-by.txt"));
        Assert.Matches($@"Digest: +{System.Text.RegularExpressions.Regex.Escape(run.Services.Registry + "/" + repository)}@sha256:[0-9a-f]{{64}}", result.Stdout);
        Assert.Contains("Step 2/5 : RUN mkdir -p /srv/hello", result.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain(password, result.Output, StringComparison.Ordinal);
        // Not a terminal: plain text, no escape codes.
        Assert.DoesNotContain("\e[", result.Output, StringComparison.Ordinal);
        Assert.Empty(Directory.EnumerateFileSystemEntries(run.WorkRoot));
        // The source directory is built in place and left as it was.
        Assert.True(File.Exists(Path.Combine(sample, "notes", "todo.txt")));
    }

    [Fact]
    public async Task Local_WhenGivenAnArchiveFileWithoutPush_BuildsLocalNameFromTheFileAndKeepsTheImage()
    {
        await using var run = await LocalRun.CreateAsync();
        var name = "app-" + Guid.NewGuid().ToString("N")[..8];
        var archive = Path.Combine(run.Scratch, name + ".tar.gz");
        await File.WriteAllBytesAsync(archive, BuildPackages.TarGz(new Dictionary<string, string>
        {
            ["src/Dockerfile"] = $"FROM {run.Services.BaseImage}\nCOPY hello.txt /hello.txt\nRUN cat /hello.txt\n",
            ["src/hello.txt"] = $"archive-{name}\n",
        }));
        var reference = $"localhost/local/{name}:latest";
        run.LeavesImage(reference);

        var result = await run.RunAsync(archive, "--context", "src");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("Build package: ", result.Stdout, StringComparison.Ordinal);
        Assert.Contains($"archive-{name}", result.Stdout, StringComparison.Ordinal);
        Assert.Contains("Build complete (not pushed", result.Stdout, StringComparison.Ordinal);
        Assert.Contains($"Tag:      {reference}", result.Stdout, StringComparison.Ordinal);
        var image = await run.InspectAsync(reference);
        Assert.NotNull(image);
        Assert.Contains(image.Id, result.Stdout, StringComparison.Ordinal);
        Assert.Empty(Directory.EnumerateFileSystemEntries(run.WorkRoot));
    }

    [Fact]
    public async Task Local_WhenGivenALocalBareGitRepositoryAndSha_BuildsThatCommitNotTheNewerOne()
    {
        await using var run = await LocalRun.CreateAsync();
        var bare = Path.Combine(run.Scratch, "app.git");
        var work = Path.Combine(run.Scratch, "checkout");
        await Git(run.Scratch, "init", "--bare", "--quiet", bare);
        await Git(run.Scratch, "init", "--quiet", work);
        await File.WriteAllTextAsync(Path.Combine(work, "Dockerfile"), $"FROM {run.Services.BaseImage}\nCOPY version.txt /version.txt\n");
        await File.WriteAllTextAsync(Path.Combine(work, "version.txt"), "wanted-commit\n");
        await Git(work, "add", ".");
        await Git(work, "-c", "user.name=Test", "-c", "user.email=test@example.com", "commit", "--quiet", "-m", "wanted");
        var sha = (await Git(work, "rev-parse", "HEAD")).Trim();
        await File.WriteAllTextAsync(Path.Combine(work, "version.txt"), "newer-commit\n");
        await Git(work, "-c", "user.name=Test", "-c", "user.email=test@example.com", "commit", "--quiet", "-am", "newer");
        await Git(work, "push", "--quiet", bare, "HEAD:refs/heads/main");
        var repository = LocalRun.NewRepository("git");
        run.LeavesImage($"{run.Services.Registry}/{repository}:latest");

        var result = await run.RunAsync(bare, "--sha", sha, "--registry", run.Services.Registry, "--repository", repository,
            "--push", "--password-file", "/dev/null");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains($"Checked out commit {sha}", result.Stdout, StringComparison.Ordinal);
        using var registry = new RegistryProbe(run.Services.Registry);
        Assert.Equal("wanted-commit\n", await registry.ReadFileAsync(repository, "latest", "version.txt"));
        Assert.Empty(Directory.EnumerateFileSystemEntries(run.WorkRoot));
    }

    [Fact]
    public async Task Local_WhenAGitSourceHasNoSha_ExitsWithConfigurationErrorNamingSha()
    {
        await using var run = await LocalRun.CreateAsync();

        var result = await run.RunAsync("https://git.example.invalid/acme/app.git");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("needs --sha COMMIT", result.Stderr, StringComparison.Ordinal);
        Assert.Empty(result.Stdout);
    }

    [Fact]
    public async Task Local_WhenARunStepFails_ExitsOneWithTheErrorLastAndWhatToDo()
    {
        await using var run = await LocalRun.CreateAsync();
        var source = Directory.CreateDirectory(Path.Combine(run.Scratch, "broken")).FullName;
        await File.WriteAllTextAsync(Path.Combine(source, "Dockerfile"), $"FROM {run.Services.BaseImage}\nRUN echo about-to-fail && false\n");

        var result = await run.RunAsync(source, "--registry", run.Services.Registry, "--repository", LocalRun.NewRepository("fail"));

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("about-to-fail", result.Stdout, StringComparison.Ordinal);
        var errorLines = result.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.StartsWith("Build failed: The build failed:", errorLines[0], StringComparison.Ordinal);
        Assert.Contains("RUN echo about-to-fail", errorLines[0], StringComparison.Ordinal);
        Assert.Contains("Fix the Dockerfile step", errorLines[^1], StringComparison.Ordinal);
        Assert.DoesNotContain("Build complete", result.Stdout, StringComparison.Ordinal);
        Assert.Empty(Directory.EnumerateFileSystemEntries(run.WorkRoot));
    }

    [Fact]
    public async Task Local_WhenPushIsAskedWithoutAPasswordAndNoTerminal_RefusesBeforeBuilding()
    {
        await using var run = await LocalRun.CreateAsync();

        var result = await run.RunAsync(CopySample(run), "--push");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("--password-file FILE", result.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("==> Unpacking", result.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Local_WhenAPasswordIsGivenOnTheCommandLine_RefusesAndPointsToTheFileOption()
    {
        await using var run = await LocalRun.CreateAsync();

        var result = await run.RunAsync(CopySample(run), "--push", "--password", "hunter2-SECRET");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("--password-file FILE", result.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("hunter2-SECRET", result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Local_WhenInterruptedDuringTheBuild_ReportsTheCancellationAndExitsSix()
    {
        await using var run = await LocalRun.CreateAsync();
        var source = Directory.CreateDirectory(Path.Combine(run.Scratch, "slow")).FullName;
        await File.WriteAllTextAsync(Path.Combine(source, "Dockerfile"), $"FROM {run.Services.BaseImage}\nRUN echo slow-step-started && sleep 20\n");
        var binary = await WorkerBinary.GetAsync();
        var interrupted = new TaskCompletionSource();

        Process? worker = null;
        var result = await ProcessRunner.RunAsync(binary, ["local", source, "--repository", "localtest/sigint"], run.Environment(), TimeSpan.FromMinutes(2), clearEnvironment: true,
            started: process => worker = process,
            outputLine: line =>
            {
                // The RUN step's own output (not its "RUN echo ..." header): the build is mid-step.
                if (line.Contains("slow-step-started", StringComparison.Ordinal) && !line.Contains("echo", StringComparison.Ordinal) && !interrupted.Task.IsCompleted)
                {
                    using var kill = Process.Start("kill", ["-INT", worker!.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
                    kill.WaitForExit();
                    interrupted.TrySetResult();
                }
            });

        Assert.True(interrupted.Task.IsCompleted, "the build finished before it could be interrupted: " + result);
        Assert.Equal(6, result.ExitCode);
        Assert.Contains("Build failed: build cancelled (interrupted)", result.Stderr, StringComparison.Ordinal);
        Assert.True(result.Elapsed < TimeSpan.FromSeconds(20), $"took {result.Elapsed}: the RUN step was not cancelled");
        Assert.Empty(Directory.EnumerateFileSystemEntries(run.WorkRoot));
    }

    [Theory]
    [InlineData(new[] { "--help" }, "quay-builder local SOURCE [options]")]
    [InlineData(new[] { "local", "--help" }, "--password-file FILE")]
    [InlineData(new[] { "local", "./app", "-h" }, "--cached-tag TAG")]
    public async Task Help_WhenAsked_PrintsUsageAndExitsZero(string[] args, string expected)
    {
        var binary = await WorkerBinary.GetAsync();

        var result = await ProcessRunner.RunAsync(binary, args, timeout: TimeSpan.FromSeconds(30), clearEnvironment: true);

        Assert.Equal(0, result.ExitCode);
        Assert.Contains(expected, result.Stdout, StringComparison.Ordinal);
        Assert.Empty(result.Stderr);
    }

    /// <summary>samples/hello in a temp directory, its base image moved to the test registry.</summary>
    private static string CopySample(LocalRun run)
    {
        var target = Path.Combine(run.Scratch, "hello");
        var sample = Path.Combine(RepositoryRoot.Path, "samples", "hello");
        foreach (var file in Directory.EnumerateFiles(sample, "*", SearchOption.AllDirectories))
        {
            var destination = Path.Combine(target, Path.GetRelativePath(sample, file));
            Directory.CreateDirectory(Path.GetDirectoryName(destination)!);
            File.Copy(file, destination);
        }

        var dockerfile = Path.Combine(target, "Dockerfile");
        var text = File.ReadAllText(dockerfile);
        Assert.Contains($"ARG BASE={SampleBase}", text, StringComparison.Ordinal);
        File.WriteAllText(dockerfile, text.Replace(SampleBase, run.Services.BaseImage, StringComparison.Ordinal));
        return target;
    }

    private static async Task<string> Git(string directory, params string[] args)
    {
        var result = await ProcessRunner.RunAsync("git", ["-C", directory, .. args], timeout: TimeSpan.FromSeconds(60));
        Assert.True(result.ExitCode == 0, $"git {string.Join(' ', args)}: {result}");
        return result.Stdout;
    }
}
