using System.Diagnostics;

namespace QuayBuilder.BuildContext;

/// <summary>
/// When a git process last wrote anything. Written by the output pumps, read by the
/// idle-timeout loop on another thread, hence the interlocked access.
/// </summary>
internal sealed class GitActivityClock
{
    private long _last = Stopwatch.GetTimestamp();

    public TimeSpan Idle => Stopwatch.GetElapsedTime(Interlocked.Read(ref _last));

    public void Touch() => Interlocked.Exchange(ref _last, Stopwatch.GetTimestamp());
}
