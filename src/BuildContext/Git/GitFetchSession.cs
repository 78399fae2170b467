using System.Globalization;
using System.Text;

namespace QuayBuilder.BuildContext;

/// <summary>
/// The steps of one fetch — key check, init, fetch by id (or full), checkout, submodules,
/// commit lines — sharing its runner, paths and log. Used once.
/// </summary>
internal sealed class GitFetchSession(
    GitOptions options,
    GitProcessRunner runner,
    GitUrl url,
    string sha,
    string destination,
    GitPrivateDirectory privateDirectory,
    IProgress<string> log,
    CancellationToken cancellationToken)
{
    public async Task<GitCommitInfo> RunAsync()
    {
        try
        {
            return await FetchAndCheckOutAsync().ConfigureAwait(false);
        }
        finally
        {
            ScrubRemoteUrl();
        }
    }

    private async Task<GitCommitInfo> FetchAndCheckOutAsync()
    {
        log.Report($"Fetching {url} at {sha}");
        if (privateDirectory.KeyFile is not null)
        {
            await CheckKeyAsync().ConfigureAwait(false);
        }

        await Git(["init", "--quiet"], CloneError).ConfigureAwait(false);
        AddRemote();
        await FetchCommitAsync().ConfigureAwait(false);
        LogHostKeys();

        await Git(["checkout", "--progress", "--detach", sha, "--"], CheckoutError).ConfigureAwait(false);
        GitCommitInfo commit = await DescribeHeadAsync().ConfigureAwait(false);

        if (File.Exists(Path.Combine(destination, ".gitmodules")))
        {
            await UpdateSubmodulesAsync().ConfigureAwait(false);
        }

        log.Report($"Checked out commit {commit.Sha}");
        log.Report($"Author: {commit.Author}");
        log.Report($"Subject: {commit.Subject}");
        return commit;
    }

    private async Task CheckKeyAsync()
    {
        // A garbage or passphrase-protected key would otherwise surface as a bare
        // "Permission denied (publickey)" from the server; ssh-keygen names the real problem.
        // -P "" makes an encrypted key fail instead of prompting.
        GitProcessResult result = await runner.RunAsync(
            "ssh-keygen", ["-y", "-P", string.Empty, "-f", privateDirectory.KeyFile!], privateDirectory.Path, logMessages: false, cancellationToken).ConfigureAwait(false);
        if (!result.Succeeded)
        {
            string reason = result.TimedOut != GitTimeout.None ? TimeoutText(result.TimedOut)
                : result.MessageText.Contains("passphrase", StringComparison.OrdinalIgnoreCase)
                    ? "the private key is protected by a passphrase; deploy keys must not be"
                    : "the private key is not a valid SSH private key";
            throw new SourceException(
                $"Error cloning git repository ({url}): {reason}. Check the deploy key of this repository in Quay (regenerate it if needed).");
        }

        string? fingerprint = SshFingerprint.OfPublicKeyLine(result.Output);
        if (fingerprint is not null)
        {
            log.Report($"Using deploy key {fingerprint}");
        }
    }

    private string ConfigPath => Path.Combine(destination, ".git", "config");

    private void AddRemote()
    {
        // Written to the config file rather than passed to `git remote add`, so a URL with a
        // credential in it never appears in any process's argument list.
        File.AppendAllText(ConfigPath, RemoteSection(url.Value), new UTF8Encoding(false));
    }

    /// <summary>
    /// The checkout's .git can end up in the build context (and so in an image), so a URL
    /// credential must not stay in its config once git no longer needs it.
    /// </summary>
    private void ScrubRemoteUrl()
    {
        if (!GitUrl.Secrets(url.Value).Any() || !File.Exists(ConfigPath))
        {
            return;
        }

        string config = File.ReadAllText(ConfigPath)
            .Replace(RemoteSection(url.Value), RemoteSection(GitUrl.Redact(url.Value)), StringComparison.Ordinal);

        // In case git rewrote the section in its own spelling.
        foreach (string secret in GitUrl.Secrets(url.Value).Where(secret => secret.Length >= 4))
        {
            config = config.Replace(secret, "***", StringComparison.Ordinal);
        }

        File.WriteAllText(ConfigPath, config, new UTF8Encoding(false));
    }

    private static string RemoteSection(string remoteUrl)
    {
        string value = remoteUrl.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal);
        return $"[remote \"origin\"]\n\turl = \"{value}\"\n\tfetch = +refs/heads/*:refs/remotes/origin/*\n";
    }

    private async Task FetchCommitAsync()
    {
        bool fullLengthSha = sha.Length is 40 or 64;
        if (fullLengthSha)
        {
            GitProcessResult shallow = await runner.RunAsync(
                "git", ["fetch", "--depth=1", "--no-tags", "--progress", "--no-recurse-submodules", "--", "origin", sha], destination, logMessages: true, cancellationToken).ConfigureAwait(false);
            if (shallow.Succeeded)
            {
                return;
            }

            if (shallow.TimedOut != GitTimeout.None || !RefusedById(shallow.MessageText))
            {
                throw CloneError(shallow);
            }

            log.Report("The server would not send the commit by its id; fetching the whole repository instead.");
        }

        // The sha may be reachable only from a tag, so tags come too.
        await Git(["fetch", "--tags", "--progress", "--no-recurse-submodules", "--", "origin", "+refs/heads/*:refs/remotes/origin/*"], CloneError).ConfigureAwait(false);
    }

    private async Task<GitCommitInfo> DescribeHeadAsync()
    {
        GitProcessResult result = await Git(["show", "--no-patch", "--no-show-signature", "--format=%H%x1f%an <%ae>%x1f%ct%x1f%s", "HEAD", "--"], CheckoutError).ConfigureAwait(false);
        string[] fields = result.Output.Trim().Split('\x1f', 4);
        if (fields.Length != 4 || !fields[0].StartsWith(sha, StringComparison.Ordinal))
        {
            throw new SourceException($"Error checking out git commit ({sha}): the checkout is at {fields[0]} instead.");
        }

        DateTimeOffset? committed = long.TryParse(fields[2], NumberStyles.None, CultureInfo.InvariantCulture, out long seconds) && seconds <= DateTimeOffset.MaxValue.ToUnixTimeSeconds()
            ? DateTimeOffset.FromUnixTimeSeconds(seconds)
            : null;
        return new GitCommitInfo(fields[0], fields[3], fields[1]) { CommitTime = committed };
    }

    private async Task UpdateSubmodulesAsync()
    {
        log.Report("Initializing submodules");
        GitProcessResult shallow = await runner.RunAsync(
            "git", ["submodule", "update", "--init", "--recursive", "--depth", "1", "--progress"], destination, logMessages: true, cancellationToken).ConfigureAwait(false);
        if (shallow.Succeeded)
        {
            return;
        }

        if (shallow.TimedOut != GitTimeout.None)
        {
            throw SubmoduleError(shallow);
        }

        // A server that refuses fetch-by-id cannot give a shallow submodule at a commit
        // that is not a branch tip; the full history always contains it.
        log.Report("Shallow submodule fetch failed; fetching the submodules' full history instead.");
        await Git(["submodule", "update", "--init", "--recursive", "--progress"], SubmoduleError).ConfigureAwait(false);
    }

    private void LogHostKeys()
    {
        if (!url.UsesSsh)
        {
            return;
        }

        if (privateDirectory.StrictHostKeys)
        {
            log.Report("SSH host key verified against the operator's known hosts file (GIT_KNOWN_HOSTS).");
            return;
        }

        foreach (string entry in SshFingerprint.DescribeKnownHosts(privateDirectory.KnownHostsFile))
        {
            log.Report($"SSH host key accepted on first use: {entry} (set GIT_KNOWN_HOSTS on the worker to check host keys strictly)");
        }
    }

    private async Task<GitProcessResult> Git(string[] arguments, Func<GitProcessResult, SourceException> error)
    {
        GitProcessResult result = await runner.RunAsync("git", arguments, destination, logMessages: true, cancellationToken).ConfigureAwait(false);
        return result.Succeeded ? result : throw error(result);
    }

    private SourceException CloneError(GitProcessResult result) =>
        new($"Error cloning git repository ({url}): {Reason(result)}");

    private SourceException CheckoutError(GitProcessResult result) =>
        new($"Error checking out git commit ({sha}): {Reason(result)}");

    private SourceException SubmoduleError(GitProcessResult result) =>
        new($"Error initializing git submodules ({url}): See submodule documentation at {GitFetcher.SubmoduleDocumentationUrl}\n{Reason(result)}");

    private string Reason(GitProcessResult result) =>
        result.TimedOut == GitTimeout.None ? result.MessageText : TimeoutText(result.TimedOut);

    private string TimeoutText(GitTimeout timeout) => timeout switch
    {
        GitTimeout.Idle => string.Create(CultureInfo.InvariantCulture,
            $"timed out: git printed nothing for {options.IdleTimeout.TotalSeconds:0.#} s (idle timeout, GIT_IDLE_TIMEOUT); the Git server stopped responding"),
        _ => string.Create(CultureInfo.InvariantCulture,
            $"timed out: fetching took longer than {options.TotalTimeout.TotalSeconds:0.#} s (total timeout, GIT_TOTAL_TIMEOUT)"),
    };

    private static bool RefusedById(string message) =>
        GitFetcher.RefusedByIdMarkers.Any(marker => message.Contains(marker, StringComparison.OrdinalIgnoreCase));
}
