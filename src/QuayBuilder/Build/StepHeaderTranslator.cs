using System.Text.RegularExpressions;
using QuayBuilder.BuildContext;

namespace QuayBuilder.Build;

/// <summary>
/// Turns Podman's own step headers into Docker's form, and keeps every other line from looking
/// like one. Quay's UI recognises a step header by an unanchored search for
/// <c>Step ([0-9]+)/([0-9]+) :</c> or <c>Step ([0-9]+) :</c>; Podman prints
/// <c>STEP 2/5: RUN make</c> (<c>[2/3] STEP 2/5: …</c> in a multi-stage build), which the UI would
/// show as ordinary output.
/// </summary>
/// <remarks>
/// A build's own output may print anything, including <c>STEP 9/9: x</c> or <c>Step 3/9 : </c>.
/// So a line is a header only when it is the step Podman must print next: the stage count and
/// the stage's step count are the Dockerfile's, the number is the next one (or step 1 of a later
/// stage, since Podman may skip unused stages), and the text is that step's instruction. Every
/// other line that Quay would take for a header has the space after <c>Step</c> replaced by a
/// no-break space, which reads the same and no longer matches. Not thread-safe: one per build.
/// </remarks>
internal sealed partial class StepHeaderTranslator
{
    private const char NoBreakSpace = '\u00A0';

    private readonly IReadOnlyList<BuildStage> _stages;
    private readonly int _appendedLabels;
    private int _stage;
    private int _step;

    /// <param name="appendedLabels">Labels sent with the build request: Podman appends one
    /// <c>LABEL</c> step per label to the final stage (ADR 0012); a Docker engine appends none,
    /// so the final stage's count may be either.</param>
    public StepHeaderTranslator(Dockerfile dockerfile, int appendedLabels = 0)
    {
        ArgumentNullException.ThrowIfNull(dockerfile);
        ArgumentOutOfRangeException.ThrowIfNegative(appendedLabels);
        _stages = dockerfile.Stages;
        _appendedLabels = appendedLabels;
    }

    /// <summary>Podman's headers seen so far.</summary>
    public int Headers { get; private set; }

    /// <summary>
    /// The line to send: Docker's header for Podman's next step header, otherwise
    /// <paramref name="line"/> (the same instance when nothing needed changing).
    /// </summary>
    public string Translate(string line, out bool isHeader)
    {
        ArgumentNullException.ThrowIfNull(line);
        isHeader = false;
        var match = PodmanStep().Match(line);
        if (match.Success && IsNextStep(match, out int stage, out int step))
        {
            _stage = stage;
            _step = step;
            Headers++;
            isHeader = true;
            return $"Step {match.Groups["n"].Value}/{match.Groups["m"].Value} : {match.Groups["text"].Value}";
        }

        return Neutralise(line);
    }

    /// <summary>The line with every match of Quay's step expression broken by a no-break space.</summary>
    internal static string Neutralise(string line) =>
        QuayStep().IsMatch(line) ? QuayStep().Replace(line, m => "Step" + NoBreakSpace + m.Value[5..]) : line;

    private bool IsNextStep(Match match, out int stage, out int step)
    {
        stage = _stage;
        step = 0;
        if (!int.TryParse(match.Groups["n"].ValueSpan, out step) || !int.TryParse(match.Groups["m"].ValueSpan, out int count))
        {
            return false;
        }

        if (match.Groups["s"].Success)
        {
            if (!int.TryParse(match.Groups["s"].ValueSpan, out int s) || !int.TryParse(match.Groups["ss"].ValueSpan, out int stages) || stages != _stages.Count)
            {
                return false;
            }

            stage = s - 1;
        }
        else if (_stages.Count != 1)
        {
            return false;
        }

        bool next = (stage == _stage && step == _step + 1) || (stage > _stage && step == 1);
        if (!next || stage >= _stages.Count)
        {
            return false;
        }

        var instructions = _stages[stage].Instructions;
        bool final = stage == _stages.Count - 1;
        if (final && _appendedLabels > 0 && count == instructions.Count + _appendedLabels)
        {
            return step <= instructions.Count
                ? Matches(match.Groups["text"].Value, instructions[step - 1])
                : match.Groups["text"].Value.StartsWith("LABEL ", StringComparison.Ordinal);
        }

        return count == instructions.Count && Matches(match.Groups["text"].Value, instructions[step - 1]);
    }

    /// <summary>
    /// Podman prints the instruction as written with continuations joined, except that FROM shows
    /// its image after ARG substitution; whitespace runs may differ from the parser's.
    /// </summary>
    private static bool Matches(string printed, string instruction)
    {
        var (shownKeyword, shownArguments) = SplitKeyword(printed);
        var (keyword, arguments) = SplitKeyword(instruction);
        return string.Equals(shownKeyword, keyword, StringComparison.OrdinalIgnoreCase)
            && (keyword == "FROM" || string.Equals(shownArguments, arguments, StringComparison.Ordinal));
    }

    private static (string Keyword, string Arguments) SplitKeyword(string text)
    {
        var collapsed = Whitespace().Replace(text.Trim(), " ");
        int space = collapsed.IndexOf(' ', StringComparison.Ordinal);
        return space < 0 ? (collapsed, string.Empty) : (collapsed[..space], collapsed[(space + 1)..]);
    }

    // Anchored and without nested quantifiers: linear in the line's length.
    [GeneratedRegex(@"^(?:\[(?<s>[0-9]{1,4})/(?<ss>[0-9]{1,4})\] )?STEP (?<n>[0-9]{1,6})/(?<m>[0-9]{1,6}): ?(?<text>.*)$", RegexOptions.Singleline | RegexOptions.CultureInvariant)]
    private static partial Regex PodmanStep();

    // Quay's expression (buildman's command regex), searched anywhere in the line.
    [GeneratedRegex(@"Step [0-9]+/[0-9]+ :|Step [0-9]+ :", RegexOptions.CultureInvariant)]
    private static partial Regex QuayStep();

    [GeneratedRegex(@"\s+", RegexOptions.CultureInvariant)]
    private static partial Regex Whitespace();
}
