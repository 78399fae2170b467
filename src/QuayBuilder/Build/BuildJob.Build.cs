using System.Text.RegularExpressions;
using QuayBuilder.BuildContext;
using QuayBuilder.Podman;

namespace QuayBuilder.Build;

internal sealed partial class BuildJob
{
    private const string SuccessfullyTagged = "Successfully tagged ";

    /// <summary>The names Podman's build output said it tagged the image with.</summary>
    private readonly HashSet<string> _taggedNames = new(StringComparer.Ordinal);

    private const string CleanupError = "error deleting build container";

    /// <summary>Buildah's log line of a failed container cleanup, when one came after the tag was made.</summary>
    private string? _cleanupErrorLine;

    /// <summary>Builds the image; returns its id.</summary>
    private async Task<string> BuildAsync(IContainerRuntime runtime, UnpackedSource source, BuildArtifacts made, CancellationToken ct)
    {
        await EnterAsync(BuildPhase.Building, null, ct).ConfigureAwait(false);
        var context = source.Context;
        var credentials = new Dictionary<string, RegistryAuth>(StringComparer.Ordinal);
        if (!string.IsNullOrEmpty(_spec.BaseImageUsername))
        {
            // Every stage's base hosted on this registry must be pullable during the build.
            credentials[_spec.Registry] = new RegistryAuth(_spec.BaseImageUsername, _spec.BaseImagePassword);
        }

        var provenance = Provenance.Create(source.Facts, source.Dockerfile, _options.Provenance, DateTimeOffset.UtcNow);
        foreach (var note in provenance.Notes)
        {
            Info(note);
        }

        // The primed cache image is in local storage, where Podman's layer cache finds it by
        // history. It is not passed as cachefrom: for Podman that names a *remote* cache
        // repository, and measured on 4.3.1 it turned local cache hits off.
        var tag = $"{_spec.ImageRepository}:{_spec.Tags[0]}";
        var parameters = new BuildParameters
        {
            Tag = tag,
            Dockerfile = context.DockerfileInContext,
            Isolation = _options.Isolation,
            RegistryCredentials = credentials,
            ImageFormat = provenance.ImageFormat,
            Timestamp = provenance.Timestamp,
            Labels = provenance.Labels,
        };

        ContextTarStats? sent = null;
        var steps = new StepHeaderTranslator(source.Dockerfile, provenance.Labels.Count);
        var lines = new LineAssembler(line => WriteBuildLine(steps, made, line));
        string imageId;
        try
        {
            made.AddName(tag);
            imageId = await runtime.BuildAsync(
                parameters,
                async (stream, token) => sent = await ContextTarWriter.WriteAsync(context, stream, token).ConfigureAwait(false),
                message => WriteBuildOutput(lines, message),
                ct).ConfigureAwait(false);
        }
        catch (PodmanException e)
        {
            lines.Flush();
            imageId = await CommittedDespiteCleanupAsync(runtime, e, tag, ct).ConfigureAwait(false)
                ?? throw new BuildFailure(FailureKind.Build, $"The build failed: {e.Message.TrimEnd()}", e);
        }
        catch (SourceException e)
        {
            throw new BuildFailure(FailureKind.Source, e.Message, e);
        }
        finally
        {
            lines.Flush();
        }

        made.BuiltImageId = imageId;
        if (sent is not null)
        {
            LogContextSent(_logger, sent.Files, sent.Bytes, sent.ExcludedEntries);
        }

        Info($"Built image {imageId}");
        return imageId;
    }

    /// <summary>
    /// Buildah deletes each step's working container only after it has committed and tagged the
    /// image, and returns a failure of that cleanup as the build's error. When another client
    /// force-removed an image the build used, libpod deleted the containers made from it, and the
    /// build ends in <c>error deleting build container …: identifier is not a container</c> although
    /// the image is complete (docs/adr/0013-layer-cache.md). That error (over libpod's API: the
    /// streamed line, then the cause alone as the error), after the stream said the requested tag
    /// was made and with the tag naming an image, is a warning; any other is the build's failure.
    /// </summary>
    /// <returns>The tagged image's id, or null when the build failed.</returns>
    private async Task<string?> CommittedDespiteCleanupAsync(IContainerRuntime runtime, PodmanException error, string tag, CancellationToken ct)
    {
        // Over the API the error is the cause alone ("identifier is not a container"); the
        // "error deleting build container …" line came just before it, in the stream, after the tag.
        var message = error.Message.Trim();
        bool cleanup = message.StartsWith(CleanupError, StringComparison.Ordinal)
            || (_cleanupErrorLine is { } line && message.Length > 0 && line.Contains(message, StringComparison.Ordinal));
        if (!cleanup || !_taggedNames.Contains(tag))
        {
            return null;
        }

        ImageDetails? details;
        try
        {
            details = await runtime.InspectImageAsync(tag, ct).ConfigureAwait(false);
        }
        catch (PodmanException)
        {
            return null;
        }

        if (details is null)
        {
            return null;
        }

        var firstLine = message.StartsWith(CleanupError, StringComparison.Ordinal) ? message.Split('\n', 2)[0].TrimEnd() : $"{CleanupError}: {message}";
        Warn($"Podman committed and tagged the image but could not delete a build container afterwards ({firstLine}); " +
            "the image is complete, so the build goes on. Another client probably removed an image this build used by force.");
        return details.Id;
    }

    private void WriteBuildOutput(LineAssembler lines, PodmanMessage message)
    {
        if (message.Stream is { } text)
        {
            lines.Append(text);
        }
        else
        {
            WriteProgress(message);
        }
    }

    private void WriteBuildLine(StepHeaderTranslator steps, BuildArtifacts made, string line)
    {
        var sent = steps.Translate(line, out bool header);
        if (header)
        {
            _notifier.Status($"building: {sent}");
        }
        else if (CommittedLayer().Match(line) is { Success: true } layer)
        {
            made.AddIntermediate(layer.Groups[1].Value);
        }
        else if (line.StartsWith(SuccessfullyTagged, StringComparison.Ordinal))
        {
            _taggedNames.Add(line[SuccessfullyTagged.Length..].Trim());
        }
        else if (_taggedNames.Count > 0 && line.Contains(CleanupError, StringComparison.Ordinal))
        {
            _cleanupErrorLine = line;
        }

        _reporter.Write(BuildLogMessage.Stream(sent));
    }

    private void WriteProgress(PodmanMessage message)
    {
        var text = message.Status ?? message.Stream?.TrimEnd('\n');
        if (!string.IsNullOrEmpty(text))
        {
            _reporter.Write(BuildLogMessage.Status(text, message.Id, message.Current, message.Total));
        }
    }

    /// <summary>Podman's line after each committed step (<c>--> 843c3ccc4b7</c>); a cache hit says "Using cache" and is not ours.</summary>
    [GeneratedRegex(@"^--> ([0-9a-f]{12,64})$", RegexOptions.CultureInvariant)]
    private static partial Regex CommittedLayer();
}
