using System.Diagnostics;
using QuayBuilder.GitBench;
using System.Globalization;
using QuayBuilder.BuildContext;

// Usage: GitBench URL SHA KEYFILE DESTINATION SCRATCH [--quiet]
// Prints the seconds one GitFetcher.FetchAsync took, as the last line of stdout.
if (args.Length < 5)
{
    Console.Error.WriteLine("usage: GitBench URL SHA KEYFILE DESTINATION SCRATCH [--quiet]");
    return 2;
}

bool quiet = args.Length > 5 && args[5] == "--quiet";
string key = await File.ReadAllTextAsync(args[2]).ConfigureAwait(false);
var fetcher = new GitFetcher(new GitOptions());
var log = new ConsoleLog(quiet);
var clock = Stopwatch.StartNew();
try
{
    GitCommitInfo commit = await fetcher.FetchAsync(new GitSourceRequest(args[0], args[1], key), args[3], args[4], log, CancellationToken.None).ConfigureAwait(false);
    clock.Stop();
    Console.Error.WriteLine($"fetched {commit.Sha} ({commit.Subject})");
    Console.WriteLine(clock.Elapsed.TotalSeconds.ToString("0.000", CultureInfo.InvariantCulture));
    return 0;
}
catch (SourceException e)
{
    Console.Error.WriteLine(e.Message);
    return 1;
}
