namespace QuayBuilder.Local;

/// <summary>How local mode shows a build.</summary>
internal enum LocalRenderMode
{
    /// <summary>A terminal: colours, highlighted steps, progress bars redrawn in place.</summary>
    Rich,

    /// <summary>Not a terminal, or <c>--plain</c>: the same text, one line per event, no escape codes.</summary>
    Plain,

    /// <summary><c>--json</c>: the build manager's log messages, one JSON object per line, nothing else.</summary>
    Json,
}
