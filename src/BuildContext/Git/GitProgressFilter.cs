using System.Diagnostics;
using System.Text.RegularExpressions;

namespace QuayBuilder.BuildContext;

/// <summary>
/// Thins git's progress meter ("Receiving objects:  42% (420/1000)") to a few lines per phase:
/// the first, one every <see cref="Interval"/>, and the final "done". git redraws the meter
/// many times a second; every redraw as a build-log line would bury the build's own output.
/// Lines that are not progress always pass.
/// </summary>
internal sealed partial class GitProgressFilter
{
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(2);

    private string? _phase;
    private long _lastEmitted;

    public static bool IsProgress(string line) => ProgressLine().IsMatch(line);

    /// <summary>True when <paramref name="line"/> should be written to the build log.</summary>
    public bool ShouldLog(string line)
    {
        Match match = ProgressLine().Match(line);
        if (!match.Success)
        {
            return true;
        }

        string phase = match.Groups["phase"].Value;
        long now = Stopwatch.GetTimestamp();
        bool emit = phase != _phase
            || line.Contains("done", StringComparison.Ordinal)
            || Stopwatch.GetElapsedTime(_lastEmitted, now) >= Interval;
        if (emit)
        {
            _phase = phase;
            _lastEmitted = now;
        }

        return emit;
    }

    [GeneratedRegex(@"^(?:remote: )?(?<phase>[A-Za-z][A-Za-z ]*):\s+\d{1,3}% ")]
    private static partial Regex ProgressLine();
}
