using QuayBuilder.BuildContext;
using QuayBuilder.Configuration;
using QuayBuilder.Podman;

namespace QuayBuilder.Build;

/// <summary>How a <see cref="BuildJob"/> runs, the same in worker and local mode.</summary>
internal sealed record BuildJobOptions
{
    /// <summary>Buildah isolation for RUN steps: chroot, oci or rootless.</summary>
    public string Isolation { get; init; } = "chroot";

    /// <summary>DEBUG: keep the work directory and the images after the build.</summary>
    public bool KeepArtifacts { get; init; }

    /// <summary>Push every tag (PUSHING). Local mode may build without pushing.</summary>
    public bool Push { get; init; } = true;

    /// <summary>Keep the built image after the build (local mode: the user wants to run it).</summary>
    public bool KeepBuiltImage { get; init; }

    /// <summary>Where the job's private work directory is made.</summary>
    public string WorkRoot { get; init; } = Path.GetTempPath();

    public SourceLimits SourceLimits { get; init; } = SourceLimits.Default;

    public GitOptions Git { get; init; } = new();

    /// <summary>The CAs package downloads trust beyond the system's, and the rule applying them.</summary>
    public CaTrust Trust { get; init; } = CaTrust.None;

    /// <summary>How long cache priming (DetermineCachedTag + the cache pull) may take in all.</summary>
    public TimeSpan CachePrimingTimeout { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// LAYER_CACHE (default true): publish the build's intermediate images with the pushed tags and
    /// prime the store from the cached tag's (docs/adr/0013-layer-cache.md). False: tags are plain
    /// images, nothing else is pushed.
    /// </summary>
    public bool LayerCache { get; init; } = true;

    /// <summary>How long publishing the layer cache may take; priming is bounded by <see cref="CachePrimingTimeout"/>.</summary>
    public TimeSpan LayerCacheTimeout { get; init; } = TimeSpan.FromMinutes(2);

    /// <summary>Largest Dockerfile read; a bigger one is refused before it is parsed.</summary>
    public long MaxDockerfileBytes { get; init; } = 16 * 1024 * 1024;

    /// <summary>How long a SetPhase waits for the lines of the phase it ends to be answered before it goes on anyway.</summary>
    public TimeSpan PhaseFlushTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>How long the final SetPhase (COMPLETE or ERROR) may take, retries included.</summary>
    public TimeSpan FinalPhaseTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>How long removing the build's images may take in all.</summary>
    public TimeSpan CleanupTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>
    /// Worker mode: a failure of this machine leaves the job to Quay's requeue, and the error line
    /// says the build will be retried. Local mode has no manager to retry anything.
    /// </summary>
    public bool ManagerRequeues { get; init; } = true;

    /// <summary>How pulls and pushes are retried; null is <see cref="Backoff.RegistryTransfer"/>.</summary>
    public RetryPolicy? RetryPolicy { get; init; }

    /// <summary>Reproducible timestamp and provenance labels (REPRODUCIBLE_TIMESTAMP, PROVENANCE_LABELS).</summary>
    public ProvenanceOptions Provenance { get; init; } = ProvenanceOptions.Default;
}
