namespace QuayBuilder.Local;

/// <summary>
/// ANSI styling for one output stream. Disabled, every method returns its text unchanged, so
/// plain output and redirected output never carry an escape code.
/// </summary>
internal sealed class TerminalStyle(bool enabled)
{
    private const string Reset = "\e[0m";

    public bool Enabled { get; } = enabled;

    public string Heading(string text) => Wrap("\e[1;36m", text);

    public string Step(string text) => Wrap("\e[1;34m", text);

    public string Warning(string text) => Wrap("\e[33m", text);

    public string Error(string text) => Wrap("\e[1;31m", text);

    public string Success(string text) => Wrap("\e[1;32m", text);

    public string Dim(string text) => Wrap("\e[2m", text);

    public string Bold(string text) => Wrap("\e[1m", text);

    /// <summary>Moves to the start of the line and clears it, so a progress line can be redrawn in place.</summary>
    public string ClearLine => Enabled ? "\r\e[2K" : string.Empty;

    private string Wrap(string code, string text) => Enabled && text.Length > 0 ? code + text + Reset : text;
}
