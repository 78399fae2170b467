using System.Globalization;
using QuayBuilder.BuildContext;

namespace QuayBuilder.Build;

/// <summary>
/// The build time, the provenance labels and the image format of one build, decided from the
/// source and the Dockerfile (docs/adr/0012-reproducible-images.md):
/// <list type="bullet">
/// <item>the timestamp is the source's own time (a commit's committer time, an archive's newest
/// file time), so the same input gives the same digest on a fresh builder;</item>
/// <item>labels: <c>org.opencontainers.image.source</c> (the Git URL without a credential),
/// <c>.revision</c> (the commit sha) and <c>.created</c> (the time used), except a key the
/// Dockerfile's final stage sets itself: the user's own LABEL wins;</item>
/// <item>the OCI format when reproducible, because Podman 4.3.1 writes the build container's
/// random id and host name into every Docker-format configuration; the Docker format when the
/// final stage needs it (HEALTHCHECK, SHELL, ONBUILD), at the cost of a reproducible digest.</item>
/// </list>
/// </summary>
/// <param name="Timestamp">Seconds since the epoch for Podman's <c>timestamp</c>; null = the clock.</param>
/// <param name="Labels">In the order Podman applies them, which is part of the image's history.</param>
/// <param name="ImageFormat"><c>oci</c> or <c>docker</c>.</param>
/// <param name="Notes">Lines for the build log: what was decided and why.</param>
internal sealed record Provenance(long? Timestamp, IReadOnlyList<KeyValuePair<string, string>> Labels, string ImageFormat, IReadOnlyList<string> Notes)
{
    public const string SourceLabel = "org.opencontainers.image.source";
    public const string RevisionLabel = "org.opencontainers.image.revision";
    public const string CreatedLabel = "org.opencontainers.image.created";

    public static Provenance Create(SourceFacts source, Dockerfile dockerfile, ProvenanceOptions options, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(dockerfile);
        ArgumentNullException.ThrowIfNull(options);
        var finalStage = DockerfileFinalStage.Read(dockerfile);
        var notes = new List<string>();

        long? timestamp = null;
        if (!options.ReproducibleTimestamp)
        {
            notes.Add("Reproducible timestamp: off; the image records the build's own time");
        }
        else if (source.Time is { } time)
        {
            // Podman takes whole seconds; a time before 1970 (a zeroed archive entry) is 1970.
            timestamp = Math.Max(0, time.ToUnixTimeSeconds());
        }
        else
        {
            notes.Add($"Reproducible timestamp: not possible ({source.TimeRule}); the image records the build's own time");
        }

        var created = timestamp is { } seconds
            ? DateTimeOffset.FromUnixTimeSeconds(seconds)
            : DateTimeOffset.FromUnixTimeSeconds(now.ToUnixTimeSeconds());
        var format = "docker";
        if (timestamp is not null)
        {
            var shown = created.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
            if (finalStage.DockerOnlyInstructions.Count == 0)
            {
                format = "oci";
                notes.Add($"Reproducible timestamp: {shown} ({timestamp}), {source.TimeRule}; image format OCI");
            }
            else
            {
                notes.Add($"Reproducible timestamp: {shown} ({timestamp}), {source.TimeRule}; image format Docker, because the Dockerfile uses " +
                          $"{string.Join(", ", finalStage.DockerOnlyInstructions)}, which only that format keeps; Podman 4 records the build " +
                          "container's id in Docker-format images, so this image's digest will differ from build to build");
            }
        }

        var labels = new List<KeyValuePair<string, string>>();
        if (options.Labels)
        {
            var candidates = new List<KeyValuePair<string, string>>();
            if (CleanSourceUrl(source.Url) is { } url)
            {
                candidates.Add(new(SourceLabel, url));
            }

            if (!string.IsNullOrEmpty(source.Revision))
            {
                candidates.Add(new(RevisionLabel, source.Revision));
            }

            candidates.Add(new(CreatedLabel, created.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture)));
            foreach (var label in candidates)
            {
                if (finalStage.LabelKeys.Contains(label.Key))
                {
                    notes.Add($"Provenance label {label.Key}: the Dockerfile sets it; its own value is kept");
                }
                else if (label.Value.Contains('$', StringComparison.Ordinal) || label.Value.Any(char.IsControl))
                {
                    // Podman adds labels as LABEL steps, which would expand a '$' as a variable.
                    notes.Add($"Provenance label {label.Key}: left out, its value has characters a LABEL step cannot carry");
                }
                else
                {
                    labels.Add(label);
                    notes.Add($"Provenance label {label.Key}={label.Value}");
                }
            }
        }
        else
        {
            notes.Add("Provenance labels: off");
        }

        return new Provenance(timestamp, labels, format, notes);
    }

    /// <summary>
    /// A repository URL fit to be published in a label: no password anywhere, no user name in
    /// an http(s) URL (there it is usually a token), no query or fragment. An SSH user name
    /// (<c>git@</c>, <c>ssh://git@</c>) stays: it is an account name every clone URL shows, not a
    /// secret. Null for nothing to show.
    /// </summary>
    public static string? CleanSourceUrl(string? url)
    {
        if (string.IsNullOrWhiteSpace(url))
        {
            return null;
        }

        var cut = url.IndexOfAny(['?', '#']);
        var result = cut >= 0 ? url[..cut] : url;
        var schemeEnd = result.IndexOf("://", StringComparison.Ordinal);
        var authorityStart = schemeEnd > 0 ? schemeEnd + 3 : 0;
        var slash = result.IndexOf('/', authorityStart);
        var authorityEnd = slash < 0 ? result.Length : slash;
        var at = authorityEnd > authorityStart ? result.LastIndexOf('@', authorityEnd - 1, authorityEnd - authorityStart) : -1;
        if (at < 0)
        {
            return result;
        }

        var userInfo = result[authorityStart..at];
        var scheme = schemeEnd > 0 ? result[..schemeEnd].ToLowerInvariant() : string.Empty;
        var colon = userInfo.IndexOf(':', StringComparison.Ordinal);
        var kept = scheme.StartsWith("http", StringComparison.Ordinal) ? string.Empty
            : colon >= 0 ? userInfo[..colon] + "@"
            : userInfo + "@";
        return result[..authorityStart] + (kept == "@" ? string.Empty : kept) + result[(at + 1)..];
    }
}
