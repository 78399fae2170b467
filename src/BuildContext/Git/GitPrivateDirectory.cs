namespace QuayBuilder.BuildContext;

/// <summary>
/// The one place a fetch's secrets touch the disk: a fresh 0700 directory under the job's
/// scratch directory holding the private key (0600), the known_hosts file ssh writes on first
/// use, and the HOME that git and ssh see. Invariant: after <see cref="Dispose"/> none of it
/// exists, whatever happened in between.
/// </summary>
internal sealed class GitPrivateDirectory : IDisposable
{
    private const UnixFileMode DirectoryMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
    private const UnixFileMode KeyMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    private GitPrivateDirectory(string path, string? keyFile, string knownHostsFile, bool strictHostKeys)
    {
        Path = path;
        KeyFile = keyFile;
        KnownHostsFile = knownHostsFile;
        StrictHostKeys = strictHostKeys;
    }

    public string Path { get; }

    public string? KeyFile { get; }

    public string KnownHostsFile { get; }

    public bool StrictHostKeys { get; }

    public static GitPrivateDirectory Create(string scratchDirectory, string? privateKey, string? operatorKnownHosts)
    {
        if (OperatingSystem.IsWindows())
        {
            throw new PlatformNotSupportedException("Git build packs need Unix file modes to protect the private key.");
        }

        Directory.CreateDirectory(scratchDirectory, DirectoryMode);
        string path = System.IO.Path.Combine(scratchDirectory, "git-" + Guid.NewGuid().ToString("N"));

        // CreateDirectory's mode is filtered by the umask; set it again so the mode is exact.
        Directory.CreateDirectory(path, DirectoryMode);
        File.SetUnixFileMode(path, DirectoryMode);

        string? keyFile = null;
        try
        {
            if (!string.IsNullOrWhiteSpace(privateKey))
            {
                keyFile = System.IO.Path.Combine(path, "id");
                var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, UnixCreateMode = KeyMode };
                using (var stream = new FileStream(keyFile, options))
                using (var writer = new StreamWriter(stream))
                {
                    // ssh rejects an OpenSSH key without its final newline ("invalid format"), and
                    // keys pasted through web forms often arrive with CRLF line ends.
                    writer.Write(privateKey.Replace("\r\n", "\n", StringComparison.Ordinal).Trim());
                    writer.Write('\n');
                }

                File.SetUnixFileMode(keyFile, KeyMode);
            }

            bool strict = !string.IsNullOrEmpty(operatorKnownHosts);
            string knownHosts = strict ? operatorKnownHosts! : System.IO.Path.Combine(path, "known_hosts");
            return new GitPrivateDirectory(path, keyFile, knownHosts, strict);
        }
        catch
        {
            Delete(path);
            throw;
        }
    }

    /// <summary>
    /// The value of GIT_SSH_COMMAND. git runs it through <c>sh -c</c>, so every path is quoted.
    /// <c>-F /dev/null</c> ignores any ssh_config on the worker; BatchMode forbids prompts;
    /// IdentitiesOnly with no agent means the deploy key is the only identity offered.
    /// </summary>
    public string SshCommand(TimeSpan connectTimeout, IReadOnlyList<string> extraArguments)
    {
        var words = new List<string>
        {
            "ssh", "-F", "/dev/null",
            "-o", "BatchMode=yes",
            "-o", "IdentitiesOnly=yes",
            "-o", "IdentityAgent=none",
            "-o", "UserKnownHostsFile=" + KnownHostsFile,
            "-o", "GlobalKnownHostsFile=/dev/null",
            "-o", "StrictHostKeyChecking=" + (StrictHostKeys ? "yes" : "accept-new"),
            "-o", "ConnectTimeout=" + Math.Max(1, (int)Math.Ceiling(connectTimeout.TotalSeconds)),
            "-o", "LogLevel=ERROR",
        };
        if (KeyFile is not null)
        {
            words.Add("-i");
            words.Add(KeyFile);
        }

        words.AddRange(extraArguments);
        return string.Join(' ', words.Select(Quote));
    }

    public void Dispose() => Delete(Path);

    private static string Quote(string word) =>
        word.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '=' or '/' or '.' or ':')
            ? word
            : "'" + word.Replace("'", "'\\''", StringComparison.Ordinal) + "'";

    private static void Delete(string path)
    {
        // The key file goes first and on its own, so a failure deleting the rest (a file git
        // left read-only, say) never leaves the key behind.
        string key = System.IO.Path.Combine(path, "id");
        try
        {
            File.Delete(key);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }

        try
        {
            Directory.Delete(path, recursive: true);
        }
        catch (DirectoryNotFoundException)
        {
        }
    }
}
