using QuayBuilder.Tests.EndToEnd;

namespace QuayBuilder.Tests.Local;

/// <summary>Local mode uses and shows the reproducible timestamp and the labels, and turns them off on request (ADR 0012).</summary>
[Collection(EndToEndCollection.Name)]
public sealed class LocalProvenanceTests
{
    private static readonly DateTimeOffset Newest = new(2021, 6, 7, 8, 9, 10, TimeSpan.Zero);

    [Fact]
    public async Task Local_WhenGivenADirectory_BuildsWithItsNewestFileTimeAndShowsTheLabel()
    {
        await using var run = await LocalRun.CreateAsync();
        var source = await WriteSourceAsync(run);
        var repository = LocalRun.NewRepository("provenance");
        run.LeavesImage($"localhost/{repository}:latest");

        var result = await run.RunAsync(source, "--repository", repository, "--plain");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("Reproducible timestamp: 2021-06-07T08:09:10Z (1623053350), the newest file time in the source directory; image format OCI\n", result.Stdout, StringComparison.Ordinal);
        Assert.Contains("Provenance label org.opencontainers.image.created=2021-06-07T08:09:10Z\n", result.Stdout, StringComparison.Ordinal);
        Assert.Contains("LABEL \"org.opencontainers.image.created\"=\"2021-06-07T08:09:10Z\"", result.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Local_WhenBothAreTurnedOff_SaysSoAndAddsNoLabelStep()
    {
        await using var run = await LocalRun.CreateAsync();
        var source = await WriteSourceAsync(run);
        var repository = LocalRun.NewRepository("noprovenance");
        run.LeavesImage($"localhost/{repository}:latest");

        var result = await run.RunAsync(source, "--repository", repository, "--plain", "--no-reproducible", "--no-provenance");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("Reproducible timestamp: off; the image records the build's own time\n", result.Stdout, StringComparison.Ordinal);
        Assert.Contains("Provenance labels: off\n", result.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("org.opencontainers.image.created", result.Stdout, StringComparison.Ordinal);
        Assert.Contains("Step 2/2 : ENV", result.Stdout, StringComparison.Ordinal);
    }

    private static async Task<string> WriteSourceAsync(LocalRun run)
    {
        var source = Directory.CreateDirectory(Path.Combine(run.Scratch, "src")).FullName;
        var dockerfile = Path.Combine(source, "Dockerfile");
        await File.WriteAllTextAsync(dockerfile, $"FROM {run.Services.BaseImage}\nENV UNIQUE={Guid.NewGuid():N}\n");
        File.SetLastWriteTimeUtc(dockerfile, Newest.UtcDateTime);
        return source;
    }
}
