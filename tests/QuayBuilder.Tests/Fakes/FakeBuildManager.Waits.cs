using QuayBuilder.Protocol;

namespace QuayBuilder.Tests.Fakes;

/// <summary>Waits on what the fake records, so tests act on an event rather than after a fixed time.</summary>
public sealed partial class FakeBuildManager
{
    private static readonly TimeSpan DefaultWait = TimeSpan.FromSeconds(60);

    /// <summary>Until a log line whose text is <paramref name="text"/> (with its newline) has arrived.</summary>
    public Task WaitForLogLineAsync(string text, TimeSpan? timeout = null) =>
        Eventually.TrueAsync(() => LogLines.Any(l => l.Text == text), timeout ?? DefaultWait, $"the log line \"{text.TrimEnd('\n')}\"");

    /// <summary>Until the job has entered <paramref name="phase"/>.</summary>
    public Task WaitForPhaseAsync(Phase phase, TimeSpan? timeout = null) =>
        Eventually.TrueAsync(() => PhaseSequence.Contains(phase), timeout ?? DefaultWait, $"phase {phase}");

    /// <summary>Until more than <paramref name="count"/> heartbeats have arrived.</summary>
    public Task WaitForHeartbeatsAsync(int count, TimeSpan? timeout = null) =>
        Eventually.TrueAsync(() => Volatile.Read(ref Heartbeats) > count, timeout ?? DefaultWait, $"more than {count} heartbeats");
}
