using QuayBuilder.Build;
using QuayBuilder.Logging;

namespace QuayBuilder.Manager;

/// <summary>
/// Reports a build to the build manager: phases through <see cref="ManagerSession"/>, log lines
/// through the job's one <see cref="BuildLogStream"/>. Every line is masked before it leaves.
/// Every failure reaches the job as a <see cref="BuildFailure"/> (ManagerSession classifies the
/// manager's answers); the job flushes the lines of a phase before it sets the next one.
/// </summary>
internal sealed class ManagerReporter : IBuildReporter
{
    private readonly ManagerSession _session;
    private readonly BuildLogStream _log;
    private readonly SecretMasker _masker;
    private string _phaseName = "waiting";

    public ManagerReporter(ManagerSession session, BuildLogStream log, SecretMasker masker)
    {
        _session = session;
        _log = log;
        _masker = masker;
    }

    public async Task SetPhaseAsync(BuildPhase phase, PullMetadata? pullMetadata, CancellationToken cancellationToken)
    {
        _phaseName = phase.ToString().ToLowerInvariant();
        bool accepted = await _session.SetPhaseAsync(phase, pullMetadata, cancellationToken).ConfigureAwait(false);
        if (!accepted && phase != BuildPhase.Error)
        {
            throw new BuildFailure(FailureKind.JobGone,
                $"The build manager no longer accepts this job (it refused the {_phaseName} phase): the build was cancelled or expired, so the worker stops here.");
        }
    }

    public void Write(BuildLogMessage message) =>
        _log.Enqueue(message.WithText(_masker.Apply(message.Text)), _phaseName);

    public Task<string?> DetermineCachedTagAsync(string baseImageName, string baseImageTag, string baseImageId, CancellationToken cancellationToken) =>
        _session.DetermineCachedTagAsync(baseImageName, baseImageTag, baseImageId, cancellationToken);

    public Task<bool> FlushAsync(CancellationToken cancellationToken) => _log.FlushAsync(cancellationToken);
}
