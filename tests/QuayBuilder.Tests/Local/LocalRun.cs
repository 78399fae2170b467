using QuayBuilder.Podman;
using QuayBuilder.Tests.EndToEnd;

namespace QuayBuilder.Tests.Local;

/// <summary>
/// Runs the published binary's `local` command against the real Podman service and registry,
/// with a clean environment (only DOCKER_HOST and a private WORK_DIR on top of PATH/HOME).
/// </summary>
internal sealed class LocalRun : IAsyncDisposable
{
    private readonly List<string> _images = [];

    private LocalRun(TestServices services, string scratch)
    {
        Services = services;
        Scratch = scratch;
        WorkRoot = Directory.CreateDirectory(Path.Combine(scratch, "work")).FullName;
    }

    public TestServices Services { get; }

    /// <summary>A private temp directory for sources and secret files; deleted on dispose.</summary>
    public string Scratch { get; }

    /// <summary>WORK_DIR of the run: empty again after every build unless --keep.</summary>
    public string WorkRoot { get; }

    /// <summary>A fresh repository name in the test registry.</summary>
    public static string NewRepository(string prefix) => $"localtest/{prefix}-{Guid.NewGuid().ToString("N")[..8]}";

    public static async Task<LocalRun> CreateAsync()
    {
        var services = await TestServices.GetAsync();
        return new LocalRun(services, Directory.CreateTempSubdirectory("qb-local-").FullName);
    }

    public Dictionary<string, string?> Environment() => new(StringComparer.Ordinal)
    {
        ["DOCKER_HOST"] = "unix://" + Services.PodmanSocket,
        ["WORK_DIR"] = WorkRoot,
    };

    /// <summary>Writes a secret file (0600) and returns its path.</summary>
    public string SecretFile(string name, string content)
    {
        var path = Path.Combine(Scratch, name);
        File.WriteAllText(path, content + "\n");
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        return path;
    }

    /// <summary>Remembers an image the run leaves in the runtime (local mode keeps what it built), to remove on dispose.</summary>
    public void LeavesImage(string reference) => _images.Add(reference);

    public async Task<ProcessResult> RunAsync(params string[] args)
    {
        var binary = await WorkerBinary.GetAsync();
        return await ProcessRunner.RunAsync(binary, ["local", .. args], Environment(), TimeSpan.FromMinutes(4), clearEnvironment: true);
    }

    /// <summary>
    /// Runs under a pseudo terminal (util-linux `script`), so stdout and stdin are a TTY. The
    /// result's Stdout is the terminal's raw byte stream from script's typescript file: reading
    /// the pipe line by line would turn every carriage return into a line break.
    /// </summary>
    public async Task<ProcessResult> RunInTerminalAsync(params string[] args)
    {
        var binary = await WorkerBinary.GetAsync();
        var command = string.Join(' ', new[] { binary, "local" }.Concat(args).Select(Quote));
        var environment = Environment();
        environment["TERM"] = "xterm-256color";
        var typescript = Path.Combine(Scratch, $"typescript-{Guid.NewGuid():N}");
        var result = await ProcessRunner.RunAsync("script", ["-q", "-e", "-c", command, typescript], environment, TimeSpan.FromMinutes(4), clearEnvironment: true);
        return result with { Stdout = await File.ReadAllTextAsync(typescript) };
    }

    public async Task<ImageDetails?> InspectAsync(string reference)
    {
        await using var podman = new PodmanClient(Services.PodmanSocket);
        return await podman.InspectImageAsync(reference, CancellationToken.None);
    }

    public async ValueTask DisposeAsync()
    {
        await using (var podman = new PodmanClient(Services.PodmanSocket))
        {
            foreach (var image in _images)
            {
                try
                {
                    await podman.RemoveImageAsync(image, CancellationToken.None);
                }
                catch (PodmanException)
                {
                }
            }
        }

        Directory.Delete(Scratch, recursive: true);
    }

    private static string Quote(string word) => "'" + word.Replace("'", "'\\''", StringComparison.Ordinal) + "'";
}
