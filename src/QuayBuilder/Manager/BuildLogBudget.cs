using System.Globalization;
using QuayBuilder.Build;

namespace QuayBuilder.Manager;

/// <summary>
/// The bound on one build's whole log, in UTF-8 bytes of line text. Quay keeps every build log in
/// Redis for days with no cap of its own, so a RUN that prints without end must not fill it.
/// Invariants: lines are admitted whole until the first one that would pass the bound; from then
/// on the log is cut and every later line is left out (counted, not sent) — except
/// <c>error</c> lines, which say why a build failed and are always sent. The first line left out
/// is replaced by one notice; <see cref="TakeSummary"/> says how much was left out so far.
/// Not thread-safe: the caller holds its lock.
/// </summary>
internal sealed class BuildLogBudget
{
    private long _admitted;
    private long _leftOutBytes;
    private long _leftOutLines;
    private long _summarizedLines;

    public BuildLogBudget(long maxBytes, string setting)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxBytes, 1);
        MaxBytes = maxBytes;
        Setting = setting;
    }

    public long MaxBytes { get; }

    /// <summary>The name of the setting that raises the bound, for the notices.</summary>
    public string Setting { get; }

    public bool IsCut { get; private set; }

    public long LeftOutBytes => _leftOutBytes;

    public long LeftOutLines => _leftOutLines;

    /// <summary>
    /// Whether a line of <paramref name="bytes"/> may be sent. <paramref name="notice"/> is set
    /// once: on the line that cuts the log, to be sent in its place.
    /// </summary>
    public bool Admit(LogMessageKind kind, long bytes, out BuildLogMessage? notice)
    {
        notice = null;
        if (kind == LogMessageKind.Error || (!IsCut && _admitted + bytes <= MaxBytes))
        {
            _admitted += bytes;
            return true;
        }

        _leftOutBytes += bytes;
        _leftOutLines++;
        if (!IsCut)
        {
            IsCut = true;
            notice = BuildLogMessage.Stream(string.Create(CultureInfo.InvariantCulture,
                $"Warning: the build log reached its limit of {FormatBytes(MaxBytes)} ({Setting}): the rest of this build's output is left out of the log, and the build goes on. Raise {Setting} on the worker to keep more."));
        }

        return false;
    }

    /// <summary>One line saying how much was left out so far, or null when nothing more was since the last one.</summary>
    public BuildLogMessage? TakeSummary()
    {
        if (_leftOutLines == _summarizedLines)
        {
            return null;
        }

        _summarizedLines = _leftOutLines;
        return BuildLogMessage.Stream(string.Create(CultureInfo.InvariantCulture,
            $"Warning: the build log was cut at {FormatBytes(MaxBytes)} ({Setting}): {_leftOutBytes:N0} bytes in {_leftOutLines:N0} lines of output were left out of it."));
    }

    internal static string FormatBytes(long bytes) => bytes switch
    {
        >= 1 << 20 when bytes % (1 << 20) == 0 => string.Create(CultureInfo.InvariantCulture, $"{bytes >> 20:N0} MiB"),
        >= 1 << 10 when bytes % (1 << 10) == 0 => string.Create(CultureInfo.InvariantCulture, $"{bytes >> 10:N0} KiB"),
        _ => string.Create(CultureInfo.InvariantCulture, $"{bytes:N0} bytes"),
    };
}
