using QuayBuilder.Tests.EndToEnd;

namespace QuayBuilder.Tests.Local;

/// <summary>What a person sees: checked under a real pseudo terminal (util-linux `script`).</summary>
[Collection(EndToEndCollection.Name)]
public sealed class LocalTerminalTests
{
    private const string ClearLine = "\r\e[2K";

    [Fact]
    public async Task Terminal_WhenStdoutIsATty_ShowsColouredHeadingsHighlightedStepsAndProgressBars()
    {
        await using var run = await LocalRun.CreateAsync();
        var source = await WriteSourceAsync(run, "RUN echo terminal-ok\n");
        var repository = LocalRun.NewRepository("tty");
        run.LeavesImage($"{run.Services.Registry}/{repository}:latest");

        var result = await run.RunInTerminalAsync(source, "--registry", run.Services.Registry, "--repository", repository,
            "--push", "--password-file", "/dev/null");

        Assert.True(result.ExitCode == 0, result.ToString());
        var screen = result.Stdout;
        Assert.Contains("\e[1;36m==> Pulling\e[0m", screen, StringComparison.Ordinal);
        Assert.Contains("\e[1;34mStep 2/3 : RUN echo terminal-ok\e[0m", screen, StringComparison.Ordinal);
        Assert.Contains("\e[1;32mBuild complete: pushed\e[0m", screen, StringComparison.Ordinal);
        // Pull and push progress are bars redrawn in place, ending full.
        Assert.Contains(ClearLine + "  [", screen, StringComparison.Ordinal);
        Assert.Contains("[" + new string('█', 20) + "] 100% Storing signatures", screen, StringComparison.Ordinal);
        Assert.True(Count(screen, ClearLine) >= 8, $"expected a bar redrawn for pull and push stages:\n{screen}");
        // The raw stage lines are not printed a second time as plain lines.
        Assert.DoesNotContain("\nGetting image source signatures", screen.Replace("\r", string.Empty, StringComparison.Ordinal), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Terminal_WhenPlainIsAsked_PrintsTheSameStoryWithoutAnyEscapeCode()
    {
        await using var run = await LocalRun.CreateAsync();
        var source = await WriteSourceAsync(run, "RUN echo plain-ok\n");
        var repository = LocalRun.NewRepository("plain");
        run.LeavesImage($"{run.Services.Registry}/{repository}:latest");

        var result = await run.RunInTerminalAsync(source, "--registry", run.Services.Registry, "--repository", repository, "--plain");

        Assert.True(result.ExitCode == 0, result.ToString());
        // `script` itself may switch the keypad mode (ESC[?1h ESC=) when .NET opens the terminal; nothing else may appear.
        var screen = result.Stdout.Replace("\e[?1h\e=", string.Empty, StringComparison.Ordinal).Replace("\e[?1l\e>", string.Empty, StringComparison.Ordinal);
        Assert.DoesNotContain("\e", screen, StringComparison.Ordinal);
        Assert.DoesNotContain("█", screen, StringComparison.Ordinal);
        Assert.Contains("Step 2/3 : RUN echo plain-ok", screen, StringComparison.Ordinal);
        Assert.Contains("Getting image source signatures", screen, StringComparison.Ordinal);
        Assert.Contains("==> Building", screen, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Terminal_WhenTheBuildFails_PrintsTheErrorLastInRedWithWhatToDo()
    {
        await using var run = await LocalRun.CreateAsync();
        var source = await WriteSourceAsync(run, "RUN echo red-error && false\n");

        var result = await run.RunInTerminalAsync(source, "--registry", run.Services.Registry, "--repository", LocalRun.NewRepository("red"));

        Assert.Equal(1, result.ExitCode);
        var screen = result.Stdout;
        var error = screen.LastIndexOf("\e[1;31mBuild failed: The build failed:", StringComparison.Ordinal);
        Assert.True(error >= 0, screen);
        Assert.Contains("RUN echo red-error", screen[error..], StringComparison.Ordinal);
        Assert.Contains("\e[1;31mFix the Dockerfile step", screen[error..], StringComparison.Ordinal);
        var output = screen.LastIndexOf("red-error\r\n", StringComparison.Ordinal);
        Assert.True(output >= 0 && output < error, "the error comes after the build output");
    }

    private static async Task<string> WriteSourceAsync(LocalRun run, string steps)
    {
        var source = Directory.CreateDirectory(Path.Combine(run.Scratch, "src")).FullName;
        await File.WriteAllTextAsync(Path.Combine(source, "Dockerfile"), $"FROM {run.Services.BaseImage}\n{steps}");
        return source;
    }

    private static int Count(string text, string part)
    {
        var count = 0;
        for (var i = text.IndexOf(part, StringComparison.Ordinal); i >= 0; i = text.IndexOf(part, i + part.Length, StringComparison.Ordinal))
        {
            count++;
        }

        return count;
    }
}
