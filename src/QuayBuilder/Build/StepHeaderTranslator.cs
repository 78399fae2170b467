using System.Text.RegularExpressions;

namespace QuayBuilder.Build;

/// <summary>
/// Rewrites Podman's step headers into Docker's form. Quay's UI recognises a step header only by
/// the expression <c>Step ([0-9]+)/([0-9]+) :</c>; Podman prints <c>STEP 2/5: RUN make</c>,
/// which the UI would show as ordinary output under the previous step.
/// </summary>
internal static partial class StepHeaderTranslator
{
    public static string Translate(string line)
    {
        var match = PodmanStep().Match(line);
        return match.Success ? $"Step {match.Groups[1].Value} : {match.Groups[2].Value}" : line;
    }

    // Anchored and without nested quantifiers: linear in the line's length.
    [GeneratedRegex(@"^STEP ([0-9]+/[0-9]+|[0-9]+): ?(.*)$", RegexOptions.Singleline | RegexOptions.CultureInvariant)]
    private static partial Regex PodmanStep();
}
