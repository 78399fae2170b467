using QuayBuilder.Build;

namespace QuayBuilder.Tests.Fakes;

/// <summary>
/// A hand-written <see cref="IBuildReporter"/> that writes everything, in order, into a journal
/// it can share with a <see cref="FakeContainerRuntime"/>: <c>phase X</c>, <c>line …</c>,
/// <c>error …</c>, <c>flush</c>. A phase records how many lines were still unflushed.
/// </summary>
internal sealed class RecordingReporter(List<string> journal) : IBuildReporter
{
    private int _unflushed;

    public RecordingReporter()
        : this([])
    {
    }

    public List<string> Journal { get; } = journal;

    /// <summary>What SetPhase throws for a phase, if anything (e.g. the manager refused it).</summary>
    public Func<BuildPhase, Exception?>? PhaseFailure { get; set; }

    public string? CachedTag { get; set; }

    /// <summary>Lines written but not yet flushed when each phase was set: all zero when every phase waited for its lines.</summary>
    public List<int> UnflushedAtPhase { get; } = [];

    public IReadOnlyList<string> Entries { get { lock (Journal) { return [.. Journal]; } } }

    public IReadOnlyList<string> Phases => [.. Entries.Where(e => e.StartsWith("phase ", StringComparison.Ordinal)).Select(e => e[6..])];

    public IReadOnlyList<string> Errors => [.. Entries.Where(e => e.StartsWith("error ", StringComparison.Ordinal)).Select(e => e[6..])];

    public IReadOnlyList<string> Lines => [.. Entries.Where(e => e.StartsWith("line ", StringComparison.Ordinal)).Select(e => e[5..])];

    public Task SetPhaseAsync(BuildPhase phase, PullMetadata? pullMetadata, CancellationToken cancellationToken)
    {
        lock (Journal)
        {
            UnflushedAtPhase.Add(_unflushed);
            Journal.Add("phase " + phase);
        }

        return PhaseFailure?.Invoke(phase) is { } failure ? Task.FromException(failure) : Task.CompletedTask;
    }

    public void Write(BuildLogMessage message)
    {
        lock (Journal)
        {
            _unflushed++;
            Journal.Add((message.Kind == LogMessageKind.Error ? "error " : "line ") + message);
        }
    }

    public Task<string?> DetermineCachedTagAsync(string baseImageName, string baseImageTag, string baseImageId, CancellationToken cancellationToken) =>
        Task.FromResult(CachedTag);

    public Task<bool> FlushAsync(CancellationToken cancellationToken)
    {
        lock (Journal)
        {
            _unflushed = 0;
            Journal.Add("flush");
        }

        return Task.FromResult(true);
    }
}
