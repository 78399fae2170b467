using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace QuayBuilder.TestSupport;

/// <summary>
/// A real OpenSSH server on 127.0.0.1 serving bare repositories from a temp directory, as root
/// with key authentication only. Repository "repo.git" has two commits on main whose
/// Dockerfiles differ and a submodule "sub" (served by the same sshd) holding sub.txt.
/// If sshd cannot be started the fixture throws, so every test using it fails — never skips.
/// </summary>
public sealed class SshServerFixture : IAsyncLifetime
{
    public const string OlderDockerfile = "FROM busybox\nCOPY sub/sub.txt /\nRUN echo older\n";
    public const string NewerDockerfile = "FROM busybox\nCOPY sub/sub.txt /\nRUN echo newer\n";
    public const string SubmoduleContent = "content from the submodule\n";

    private static readonly Dictionary<string, string?> GitEnvironment = new()
    {
        ["GIT_CONFIG_NOSYSTEM"] = "1",
        ["GIT_AUTHOR_NAME"] = "Test Author",
        ["GIT_AUTHOR_EMAIL"] = "author@example.com",
        ["GIT_COMMITTER_NAME"] = "Test Author",
        ["GIT_COMMITTER_EMAIL"] = "author@example.com",
    };

    private Process? _sshd;

    public string Root { get; } = Path.Combine(Path.GetTempPath(), "qb-git-sshd-" + Guid.NewGuid().ToString("N")[..8]);

    public int Port { get; private set; }

    public string UserKey { get; private set; } = string.Empty;

    public string OtherKey { get; private set; } = string.Empty;

    /// <summary>known_hosts line(s) for this server's real host key.</summary>
    public string KnownHostsLine { get; private set; } = string.Empty;

    public string RepositoryPath => Path.Combine(Root, "repo.git");

    public string SubmodulePath => Path.Combine(Root, "sub.git");

    public string OlderSha { get; private set; } = string.Empty;

    public string NewerSha { get; private set; } = string.Empty;

    public string SshUrl => $"ssh://root@127.0.0.1:{Port}{RepositoryPath}";

    public string ScpLikeUrl => $"root@127.0.0.1:{RepositoryPath}";

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(Root);
        Directory.CreateDirectory("/run/sshd");
        Port = LoopbackPort.Free();

        await RunAsync(Root, "ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "host", "-f", Path.Combine(Root, "host_key"));
        await RunAsync(Root, "ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "deploy", "-f", Path.Combine(Root, "user_key"));
        await RunAsync(Root, "ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "other", "-f", Path.Combine(Root, "other_key"));
        File.Copy(Path.Combine(Root, "user_key.pub"), Path.Combine(Root, "authorized_keys"));
        UserKey = await File.ReadAllTextAsync(Path.Combine(Root, "user_key"));
        OtherKey = await File.ReadAllTextAsync(Path.Combine(Root, "other_key"));
        string hostPublic = (await File.ReadAllTextAsync(Path.Combine(Root, "host_key.pub"))).Trim();
        KnownHostsLine = $"[127.0.0.1]:{Port} {string.Join(' ', hostPublic.Split(' ').Take(2))}\n";

        string config = Path.Combine(Root, "sshd_config");
        await File.WriteAllTextAsync(config, $"""
            ListenAddress 127.0.0.1
            Port {Port}
            HostKey {Path.Combine(Root, "host_key")}
            AuthorizedKeysFile {Path.Combine(Root, "authorized_keys")}
            PidFile {Path.Combine(Root, "sshd.pid")}
            StrictModes no
            UsePAM no
            PermitRootLogin prohibit-password
            PasswordAuthentication no
            KbdInteractiveAuthentication no
            LogLevel ERROR
            # As GitHub and GitLab do: lets git speak protocol v2, which can fetch any commit by id.
            AcceptEnv GIT_PROTOCOL

            """);

        await CreateRepositoriesAsync();

        _sshd = Process.Start(new ProcessStartInfo("/usr/sbin/sshd", ["-D", "-e", "-f", config])
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        }) ?? throw new InvalidOperationException("sshd did not start");
        _sshd.ErrorDataReceived += (_, _) => { };
        _sshd.BeginErrorReadLine();
        _sshd.BeginOutputReadLine();
        await WaitForBannerAsync();
    }

    public Task DisposeAsync()
    {
        if (_sshd is { HasExited: false })
        {
            _sshd.Kill(entireProcessTree: true);
            _sshd.WaitForExit(5000);
        }

        _sshd?.Dispose();
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
        }

        return Task.CompletedTask;
    }

    /// <summary>Runs a Git set-up command (or any program) in <paramref name="workingDirectory"/> with a fixed author; returns its trimmed stdout.</summary>
    public static async Task<string> RunAsync(string workingDirectory, string program, params string[] arguments) =>
        (await ProcessRunner.RunCheckedAsync(program, arguments, GitEnvironment, workingDirectory: workingDirectory)).Trim();

    private async Task CreateRepositoriesAsync()
    {
        string work = Path.Combine(Root, "work");
        string subWork = Path.Combine(Root, "subwork");
        Directory.CreateDirectory(work);
        Directory.CreateDirectory(subWork);

        await RunAsync(Root, "git", "init", "-q", "--bare", "-b", "main", SubmodulePath);
        await RunAsync(Root, "git", "init", "-q", "--bare", "-b", "main", RepositoryPath);

        await RunAsync(subWork, "git", "init", "-q", "-b", "main");
        await File.WriteAllTextAsync(Path.Combine(subWork, "sub.txt"), SubmoduleContent);
        await RunAsync(subWork, "git", "add", "sub.txt");
        await RunAsync(subWork, "git", "commit", "-q", "-m", "Submodule file");
        await RunAsync(subWork, "git", "push", "-q", SubmodulePath, "main");

        await RunAsync(work, "git", "init", "-q", "-b", "main");
        await RunAsync(work, "git", "-c", "protocol.file.allow=always", "submodule", "add", "-q", SubmodulePath, "sub");
        // The checkout under test must fetch the submodule over SSH too, with the same key.
        await RunAsync(work, "git", "config", "-f", ".gitmodules", "submodule.sub.url", $"ssh://root@127.0.0.1:{Port}{SubmodulePath}");
        await File.WriteAllTextAsync(Path.Combine(work, "Dockerfile"), OlderDockerfile);
        await RunAsync(work, "git", "add", "-A");
        await RunAsync(work, "git", "commit", "-q", "-m", "Older Dockerfile");
        OlderSha = await RunAsync(work, "git", "rev-parse", "HEAD");

        await File.WriteAllTextAsync(Path.Combine(work, "Dockerfile"), NewerDockerfile);
        await RunAsync(work, "git", "commit", "-q", "-am", "Newer Dockerfile");
        NewerSha = await RunAsync(work, "git", "rev-parse", "HEAD");
        await RunAsync(work, "git", "push", "-q", RepositoryPath, "main");
    }

    private async Task WaitForBannerAsync()
    {
        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (true)
        {
            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync(IPAddress.Loopback, Port);
                var buffer = new byte[4];
                int read = await client.GetStream().ReadAsync(buffer);
                if (read > 0)
                {
                    return;
                }
            }
            catch (SocketException) when (DateTime.UtcNow < deadline)
            {
            }

            if (_sshd!.HasExited || DateTime.UtcNow >= deadline)
            {
                throw new InvalidOperationException($"sshd did not start listening on 127.0.0.1:{Port} (exit: {(_sshd.HasExited ? _sshd.ExitCode : "running")}); is openssh-server installed and are tests run as root?");
            }

            await Task.Delay(100);
        }
    }
}
