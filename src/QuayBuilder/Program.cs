using QuayBuilder.Cli;

// Worker mode (no arguments) is configured by the environment, exactly as Quay's executors start it.
return args switch
{
    [] => await WorkerCommand.RunAsync(Environment.GetEnvironmentVariable).ConfigureAwait(false),
    ["version" or "--version"] => Print(VersionInfo.Describe()),
    ["help" or "--help" or "-h"] => Print(Usage.Text),
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
