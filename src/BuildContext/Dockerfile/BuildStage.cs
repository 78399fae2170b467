namespace QuayBuilder.BuildContext;

/// <summary>
/// One <c>FROM</c> of a Dockerfile. <see cref="Base"/> is null when <see cref="From"/> names an
/// earlier stage (compared case-insensitively, as BuildKit does); otherwise it is the image the
/// stage starts from, possibly <c>scratch</c>. <see cref="From"/> is the text after ARG substitution.
/// </summary>
public sealed record BuildStage(string? Name, ImageReference? Base, string From)
{
    /// <summary>
    /// The stage's instructions in order, its FROM first, each as <c>KEYWORD arguments</c>
    /// (keyword upper-case, arguments as written, continuations joined). The runtime numbers a
    /// stage's steps 1..Count in this order (<c>STEP 2/5: RUN make</c>).
    /// </summary>
    public IReadOnlyList<string> Instructions { get; init; } = [];
}
