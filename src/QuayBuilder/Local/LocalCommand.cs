using System.Runtime.InteropServices;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using QuayBuilder.Build;
using QuayBuilder.Cli;
using QuayBuilder.Configuration;
using QuayBuilder.Hosting;
using QuayBuilder.Logging;
using QuayBuilder.Registry;

namespace QuayBuilder.Local;

/// <summary>
/// `quay-builder local SOURCE [options]`: Quay's build pipeline (the very same <see cref="BuildJob"/>:
/// source fetching and its safety rules, context and Dockerfile resolution, Podman parameters,
/// cache priming and push) on a workstation, with <see cref="LocalReporter"/> standing in for the
/// build manager. The environment variables of worker mode that concern the build (DOCKER_HOST,
/// CONTAINER_RUNTIME, BUILDAH_ISOLATION, WORK_DIR, PACKAGE_*, GIT_*, SSL_CERT_FILE, DEBUG) apply
/// here too, so a build behaves as it would on a deployed worker.
/// </summary>
internal static class LocalCommand
{
    public static async Task<int> RunAsync(IReadOnlyList<string> args, Func<string, string?> environment)
    {
        ArgumentNullException.ThrowIfNull(environment);
        LocalOptions options;
        LocalSource source;
        BuildSettings settings;
        try
        {
            options = LocalArguments.Parse(args);
            source = LocalSource.Classify(options);
            settings = BuildSettingsReader.Read(environment);
        }
        catch (ConfigurationException e)
        {
            await Console.Error.WriteLineAsync($"quay-builder: {e.Message}").ConfigureAwait(false);
            return ExitCodes.Configuration;
        }

        var masker = new SecretMasker();
        using var abort = new JobAbort();
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context => Stop(context, abort));
        using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, context => Stop(context, abort));

        BuildJobSpec spec;
        try
        {
            spec = await CreateSpecAsync(options, source, masker, abort.Token).ConfigureAwait(false);
        }
        catch (ConfigurationException e)
        {
            await Console.Error.WriteLineAsync($"quay-builder: {masker.Apply(e.Message)}").ConfigureAwait(false);
            return ExitCodes.Configuration;
        }
        catch (OperationCanceledException)
        {
            return ExitCodes.Cancelled;
        }

        var mode = RenderMode(options, environment);
        var errorStyled = mode == LocalRenderMode.Rich && !Console.IsErrorRedirected;
        var reporter = new LocalReporter(Console.Out, Console.Error, mode, errorStyled, masker, options.CachedTag, TerminalWidth);
        using var loggerFactory = options.Verbose || settings.Debug
            ? WorkerLogging.Create(settings.Debug, null, masker)
            : NullLoggerFactory.Instance;

        var provenance = WorkerCommand.JobOptions(settings).Provenance;
        var jobOptions = WorkerCommand.JobOptions(settings) with
        {
            Isolation = options.Isolation ?? settings.Isolation,
            KeepArtifacts = options.Keep || settings.Debug,
            Push = options.Push,
            // The user builds to run or inspect the image: it stays in the runtime's storage.
            KeepBuiltImage = true,
            ManagerRequeues = false,
            // The user's own machine: reading a repository from its disk is the point, not an attack.
            Git = WorkerCommand.JobOptions(settings).Git with { AllowLocalRepositories = true },
            Provenance = new ProvenanceOptions(provenance.ReproducibleTimestamp && !options.NoReproducible, provenance.Labels && !options.NoProvenance),
            LayerCache = settings.LayerCache && !options.NoLayerCache,
        };

        await using var connector = new RuntimeConnector();
        var job = new BuildJob(spec, reporter, ct => connector.ConnectAsync(settings, ct), jobOptions, new NoServiceNotifier(), loggerFactory.CreateLogger<BuildJob>());
        try
        {
            var result = await job.RunAsync(abort).ConfigureAwait(false);
            var pushed = options.Push ? await LookUpDigestsAsync(spec, abort.Token).ConfigureAwait(false) : null;
            reporter.RenderCompleted(result, spec, pushed);
            return ExitCodes.Success;
        }
        catch (BuildFailure e)
        {
            reporter.RenderFailure(e.Message, WhatToDo(e.Kind, connector.SocketPath ?? settings.RuntimeSocket));
            return ExitCodes.For(e.Kind);
        }
    }

    private static async Task<BuildJobSpec> CreateSpecAsync(LocalOptions options, LocalSource source, SecretMasker masker, CancellationToken ct)
    {
        GitPackageSpec? git = null;
        if (source.Kind == LocalSourceKind.Git)
        {
            if (options.Sha is null)
            {
                throw new ConfigurationException(
                    $"local: the Git source '{source.Location}' needs --sha COMMIT, the full commit id to build (Quay builds one commit; `git rev-parse HEAD` or `git ls-remote URL HEAD` prints it).");
            }

            string? key = null;
            if (options.SshKeyFile is { } keyFile)
            {
                key = await SecretReader.ReadFileAsync(keyFile, "--ssh-key", ct).ConfigureAwait(false);
                masker.Add(key);
            }

            git = new GitPackageSpec(source.Location, options.Sha, key);
        }
        else if (options.SshKeyFile is not null || options.Sha is not null)
        {
            throw new ConfigurationException("local: --sha and --ssh-key are for Git sources only; SOURCE is not a Git repository.");
        }

        var password = string.Empty;
        if (options.Push)
        {
            if (options.PasswordFile is { } passwordFile)
            {
                password = await SecretReader.ReadFileAsync(passwordFile, "--password-file", ct).ConfigureAwait(false);
            }
            else if (!Console.IsInputRedirected)
            {
                password = SecretReader.Prompt($"Password for {options.Username} at {options.Registry}: ");
            }
            else
            {
                throw new ConfigurationException(
                    "local: --push needs the registry's password or token, and stdin is not a terminal to ask on: give --password-file FILE (for a registry without authentication, --password-file /dev/null).");
            }

            masker.Add(password);
        }
        else if (options.PasswordFile is not null)
        {
            throw new ConfigurationException("local: --password-file is only used with --push; add --push or drop it.");
        }

        var pullToken = string.Empty;
        if (options.PullTokenFile is { } pullTokenFile)
        {
            pullToken = await SecretReader.ReadFileAsync(pullTokenFile, "--pull-token-file", ct).ConfigureAwait(false);
            masker.Add(pullToken);
        }

        var spec = new BuildJobSpec
        {
            Git = git,
            PackageUrl = source.Kind == LocalSourceKind.ArchiveUrl ? source.Location : null,
            LocalPath = source.Kind is LocalSourceKind.Directory or LocalSourceKind.ArchiveFile ? source.Location : null,
            Context = options.Context,
            DockerfilePath = options.Dockerfile,
            Repository = options.Repository ?? "local/" + source.Name,
            Registry = options.Registry,
            PullToken = pullToken,
            PushToken = password,
            PushUsername = options.Username,
            Tags = options.Tags,
        };
        foreach (var secret in spec.Secrets())
        {
            masker.Add(secret);
        }

        return spec;
    }

    /// <summary>The digest each pushed tag has in the registry: what `podman pull REPO@DIGEST` will find.</summary>
    private static async Task<IReadOnlyList<PushedTag>> LookUpDigestsAsync(BuildJobSpec spec, CancellationToken ct)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(15) };
        var lookup = new RegistryDigestLookup(http);
        var pushed = new List<PushedTag>();
        foreach (var tag in spec.Tags)
        {
            var reference = $"{spec.ImageRepository}:{tag}";
            try
            {
                var digest = await lookup.FindAsync(spec.Registry, spec.Repository, tag, spec.PushUsername, spec.PushToken, ct).ConfigureAwait(false);
                pushed.Add(new PushedTag(reference, digest, null));
            }
            catch (Exception e) when (e is RegistryLookupException or HttpRequestException or JsonException or OperationCanceledException)
            {
                pushed.Add(new PushedTag(reference, null, $"could not ask the registry ({e.Message})"));
            }
        }

        return pushed;
    }

    private static LocalRenderMode RenderMode(LocalOptions options, Func<string, string?> environment)
    {
        if (options.Json)
        {
            return LocalRenderMode.Json;
        }

        // NO_COLOR (no-color.org) and TERM=dumb ask for text without escape codes.
        var plain = options.Plain || Console.IsOutputRedirected || !string.IsNullOrEmpty(environment("NO_COLOR")) ||
            string.Equals(environment("TERM"), "dumb", StringComparison.Ordinal);
        return plain ? LocalRenderMode.Plain : LocalRenderMode.Rich;
    }

    /// <summary>The next step for the person at the terminal; the failure's message says what went wrong.</summary>
    private static string? WhatToDo(FailureKind kind, string? socket) => kind switch
    {
        FailureKind.Source => "Check SOURCE, --context and --dockerfile (paths are relative to the source and the context), then run again.",
        FailureKind.Build => "Fix the Dockerfile step or base image named above, then run again; Quay's builder would fail the same way.",
        FailureKind.Infrastructure => $"Check that Podman's API service answers on {socket ?? "its socket"} (`systemctl start podman.socket`, or set DOCKER_HOST=unix:///path/to/podman.sock) and that the registry is reachable, then run again.",
        FailureKind.Cancelled => "The build was interrupted; run the same command again to start over.",
        _ => null,
    };

    private static int TerminalWidth()
    {
        try
        {
            return Console.WindowWidth is > 0 and var width ? width : 80;
        }
        catch (Exception e) when (e is IOException or PlatformNotSupportedException or InvalidOperationException)
        {
            return 80;
        }
    }

    private static void Stop(PosixSignalContext context, JobAbort abort)
    {
        // Keep the process alive: the job reports the cancellation and cleans up, then returns.
        context.Cancel = true;
        abort.Abort(FailureKind.Cancelled, "build cancelled (interrupted)");
    }
}
