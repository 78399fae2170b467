using QuayBuilder.Cli;
using QuayBuilder.Diagnostics;
using QuayBuilder.Local;

// Worker mode (no arguments) is configured by the environment, exactly as Quay's executors start it.
return args switch
{
    [] => await WorkerCommand.RunAsync(Environment.GetEnvironmentVariable).ConfigureAwait(false),
    ["check"] => await CheckCommand.RunAsync(Environment.GetEnvironmentVariable, Console.Out, CancellationToken.None).ConfigureAwait(false),
    ["version" or "--version"] => Print(VersionInfo.Describe()),
    ["help" or "--help" or "-h"] => Print(Usage.Text),
    ["local", .. var rest] when rest.Contains("--help") || rest.Contains("-h") || rest is ["help"] => Print(Usage.LocalText),
    ["local", .. var rest] => await LocalCommand.RunAsync(rest, Environment.GetEnvironmentVariable).ConfigureAwait(false),
    _ => Fail($"quay-builder: unknown command '{string.Join(' ', args)}'.\n\n{Usage.Text}"),
};

static int Print(string text)
{
    Console.Out.WriteLine(text);
    return 0;
}

static int Fail(string text)
{
    Console.Error.WriteLine(text);
    return ExitCodes.Configuration;
}
