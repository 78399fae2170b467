using System.Diagnostics;

namespace QuayBuilder.BuildContext.Tests.Git;

/// <summary>
/// What every GitFetcher test against the real sshd shares: a work directory, the fetch, and the
/// two invariants that hold on every path (the scratch directory is empty afterwards, so the key
/// file is gone, and no line of the private key appears in the build log or the exception).
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public abstract class GitFetcherTestBase : IDisposable
{
    protected string Work { get; } = Path.Combine(Path.GetTempPath(), "qb-git-test-" + Guid.NewGuid().ToString("N")[..8]);

    protected GitFetcherTestBase(SshServerFixture server)
    {
        Server = server;
        Directory.CreateDirectory(Work);
    }

    protected SshServerFixture Server { get; }

    protected string Destination => Path.Combine(Work, "checkout");

    protected string Scratch => Path.Combine(Work, "scratch");

    protected static GitOptions Options => new() { IdleTimeout = TimeSpan.FromSeconds(30), TotalTimeout = TimeSpan.FromSeconds(60) };

    public void Dispose()
    {
        Directory.Delete(Work, recursive: true);
        GC.SuppressFinalize(this);
    }

    protected Task<GitCommitInfo> Fetch(GitSourceRequest request, GitOptions options, RecordingLog log, CancellationToken cancellationToken = default) =>
        new GitFetcher(options).FetchAsync(request, Destination, Scratch, log, cancellationToken);

    protected void AssertCleanAfterwards(string output, string? key = null)
    {
        Assert.True(!Directory.Exists(Scratch) || !Directory.EnumerateFileSystemEntries(Scratch).Any(), "the scratch directory is not empty");
        foreach (string secret in new[] { Server.UserKey, key ?? Server.UserKey })
        {
            foreach (string line in secret.Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0 && !l.StartsWith("-----", StringComparison.Ordinal)))
            {
                Assert.DoesNotContain(line, output, StringComparison.Ordinal);
            }
        }
    }

    protected static List<string> ProcessesMentioning(string text)
    {
        var found = new List<string>();
        foreach (string directory in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(directory), out int pid) || pid == Environment.ProcessId)
            {
                continue;
            }

            try
            {
                string commandLine = File.ReadAllText(Path.Combine(directory, "cmdline")).Replace('\0', ' ');
                if (commandLine.Contains(text, StringComparison.Ordinal))
                {
                    found.Add($"{pid}: {commandLine}");
                }
            }
            catch (IOException)
            {
            }
            catch (UnauthorizedAccessException)
            {
            }
        }

        return found;
    }
}
