using System.Globalization;
using System.Text;

namespace QuayBuilder.BuildContext;

/// <summary>
/// Fetches a Git build pack: exactly one commit, checked out detached, with its submodules.
/// Drives the <c>git</c> and <c>ssh</c> executables (see docs/adr/0002-git-transport.md): an
/// empty repository, one remote, a depth-1 fetch of the sha over protocol v2, a full fetch
/// only when the server refuses to serve a commit by id.
/// </summary>
public sealed class GitFetcher
{
    /// <summary>Quay's page on submodules, as the Go worker linked it.</summary>
    public const string SubmoduleDocumentationUrl = "http://docs.quay.io/guides/git-submodules.html";

    // Text git prints when a server will not send an object that is not a ref tip
    // (protocol v0 without allow*SHA1InWant, or dumb HTTP, which cannot do shallow at all).
    private static readonly string[] RefusedByIdMarkers =
    [
        "not our ref",
        "unadvertised object",
        "couldn't find remote ref",
        "no such remote ref",
        "does not support shallow",
    ];

    private readonly GitOptions _options;

    public GitFetcher(GitOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options;
    }

    /// <summary>
    /// Fetches exactly <see cref="GitSourceRequest.Sha"/> into <paramref name="destination"/>
    /// (created; must be empty) with a detached checkout and recursive shallow submodules.
    /// <paramref name="scratchDirectory"/> is private to the job: the key file (0600, in a fresh
    /// 0700 directory) and known_hosts live there only during the call and are deleted on every
    /// path. Progress, the host key and the resolved commit go to <paramref name="log"/>.
    /// Throws <see cref="SourceException"/> with the Go worker's texts on failure, and
    /// <see cref="OperationCanceledException"/> (after killing git) on cancellation.
    /// </summary>
    public async Task<GitCommitInfo> FetchAsync(
        GitSourceRequest request,
        string destination,
        string scratchDirectory,
        IProgress<string> log,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentException.ThrowIfNullOrEmpty(destination);
        ArgumentException.ThrowIfNullOrEmpty(scratchDirectory);
        ArgumentNullException.ThrowIfNull(log);

        GitUrl url = GitUrl.Parse(request.Url, _options.AllowLocalRepositories);
        string sha = ParseSha(request.Sha);
        var redactor = new GitOutputRedactor(request.PrivateKey, request.Url);

        Directory.CreateDirectory(destination);
        if (Directory.EnumerateFileSystemEntries(destination).Any())
        {
            throw new InvalidOperationException($"The checkout directory {destination} is not empty.");
        }

        string? key = url.UsesSsh ? request.PrivateKey : null;
        if (!url.UsesSsh && !string.IsNullOrWhiteSpace(request.PrivateKey))
        {
            log.Report($"A private key was given but {url} is not an SSH URL; the key is not used.");
        }

        using GitPrivateDirectory privateDirectory = GitPrivateDirectory.Create(
            scratchDirectory, key, url.UsesSsh ? _options.KnownHostsFile : null);
        var runner = new GitProcessRunner(
            BuildEnvironment(privateDirectory), redactor, log, _options.IdleTimeout, _options.TotalTimeout);
        var fetch = new Session(this, runner, url, sha, destination, privateDirectory, log, cancellationToken);
        return await fetch.RunAsync().ConfigureAwait(false);
    }

    private static string ParseSha(string? sha)
    {
        string value = (sha ?? string.Empty).Trim().ToLowerInvariant();
        bool hex = value.Length is >= 7 and <= 64 && value.All(char.IsAsciiHexDigitLower);
        if (!hex)
        {
            throw new SourceException(
                $"Error checking out git commit ({sha}): not a commit id; expected 40 hexadecimal characters. Check the commit the build was triggered for.");
        }

        return value;
    }

    private Dictionary<string, string?> BuildEnvironment(GitPrivateDirectory privateDirectory)
    {
        // Per process, never process-wide: several fetches (and the rest of the worker) must not
        // see each other's keys. null removes an inherited variable that would change what git
        // does (a user's config, an agent offering other keys, a repository elsewhere).
        var environment = new Dictionary<string, string?>(StringComparer.Ordinal)
        {
            ["HOME"] = privateDirectory.Path,
            ["XDG_CONFIG_HOME"] = privateDirectory.Path,
            ["GIT_CONFIG_NOSYSTEM"] = "1",
            ["GIT_CONFIG_GLOBAL"] = "/dev/null",
            ["GIT_TERMINAL_PROMPT"] = "0",
            ["GIT_ASKPASS"] = null,
            ["SSH_ASKPASS"] = null,
            ["SSH_AUTH_SOCK"] = null,
            ["GIT_SSH"] = null,
            ["GIT_SSH_VARIANT"] = "ssh",
            ["GIT_SSH_COMMAND"] = privateDirectory.SshCommand(_options.ConnectTimeout, _options.ExtraSshArguments),
            ["GIT_DIR"] = null,
            ["GIT_WORK_TREE"] = null,
            ["GIT_INDEX_FILE"] = null,
            ["GIT_OBJECT_DIRECTORY"] = null,
            ["GIT_ALTERNATE_OBJECT_DIRECTORIES"] = null,
            ["GIT_CONFIG"] = null,
            ["GIT_CONFIG_PARAMETERS"] = null,
            ["GIT_TRACE"] = null,
            ["GIT_TRACE_PACKET"] = null,
            ["GIT_TRACE_CURL"] = null,
            ["GIT_PROXY_COMMAND"] = null,

            // Also bounds submodule URLs, which come from the repository's .gitmodules:
            // never ext:: or fd::, and file:// only where local repositories are allowed.
            ["GIT_ALLOW_PROTOCOL"] = _options.AllowLocalRepositories ? "ssh:https:http:git:file" : "ssh:https:http:git",

            // English messages, so the fallback decision can read them.
            ["LC_ALL"] = "C",
            ["LANGUAGE"] = null,

            ["GIT_CONFIG_COUNT"] = "3",
            ["GIT_CONFIG_KEY_0"] = "protocol.version",
            ["GIT_CONFIG_VALUE_0"] = _options.ProtocolVersion.ToString(CultureInfo.InvariantCulture),
            ["GIT_CONFIG_KEY_1"] = "advice.detachedHead",
            ["GIT_CONFIG_VALUE_1"] = "false",
            ["GIT_CONFIG_KEY_2"] = "core.hooksPath",
            ["GIT_CONFIG_VALUE_2"] = "/dev/null",
        };
        if (!string.IsNullOrEmpty(_options.CaBundlePath))
        {
            environment["GIT_SSL_CAINFO"] = _options.CaBundlePath;
        }

        return environment;
    }

    /// <summary>The steps of one fetch, sharing its runner, paths and log.</summary>
    private sealed class Session(
        GitFetcher owner,
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

            await Git(["checkout", "--quiet", "--detach", sha, "--"], CheckoutError).ConfigureAwait(false);
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
            GitProcessResult result = await Git(["show", "--no-patch", "--no-show-signature", "--format=%H%x1f%an <%ae>%x1f%s", "HEAD", "--"], CheckoutError).ConfigureAwait(false);
            string[] fields = result.Output.Trim().Split('\x1f');
            if (fields.Length != 3 || !fields[0].StartsWith(sha, StringComparison.Ordinal))
            {
                throw new SourceException($"Error checking out git commit ({sha}): the checkout is at {fields[0]} instead.");
            }

            return new GitCommitInfo(fields[0], fields[2], fields[1]);
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
            new($"Error initializing git submodules ({url}): See submodule documentation at {SubmoduleDocumentationUrl}\n{Reason(result)}");

        private string Reason(GitProcessResult result) =>
            result.TimedOut == GitTimeout.None ? result.MessageText : TimeoutText(result.TimedOut);

        private string TimeoutText(GitTimeout timeout) => timeout switch
        {
            GitTimeout.Idle => string.Create(CultureInfo.InvariantCulture,
                $"timed out: git printed nothing for {owner._options.IdleTimeout.TotalSeconds:0.#} s (idle timeout, GIT_IDLE_TIMEOUT); the Git server stopped responding"),
            _ => string.Create(CultureInfo.InvariantCulture,
                $"timed out: fetching took longer than {owner._options.TotalTimeout.TotalSeconds:0.#} s (total timeout, GIT_TOTAL_TIMEOUT)"),
        };

        private static bool RefusedById(string message) =>
            RefusedByIdMarkers.Any(marker => message.Contains(marker, StringComparison.OrdinalIgnoreCase));
    }
}
