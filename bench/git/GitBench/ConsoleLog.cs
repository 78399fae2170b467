namespace QuayBuilder.GitBench;

/// <summary>Writes build-log lines to stderr synchronously (stdout carries only the timing).</summary>
internal sealed class ConsoleLog(bool quiet) : IProgress<string>
{
    public void Report(string value)
    {
        if (!quiet)
        {
            Console.Error.WriteLine(value);
        }
    }
}
