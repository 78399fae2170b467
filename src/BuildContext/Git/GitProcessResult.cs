namespace QuayBuilder.BuildContext;

/// <summary>
/// How a git (or ssh-keygen) process ended. <see cref="Messages"/> are its stderr lines other
/// than progress, already masked; <see cref="Output"/> is its stdout, masked.
/// </summary>
internal sealed record GitProcessResult(int ExitCode, GitTimeout TimedOut, string Output, IReadOnlyList<string> Messages)
{
    public bool Succeeded => ExitCode == 0 && TimedOut == GitTimeout.None;

    public string MessageText => Messages.Count == 0 ? $"git exited with code {ExitCode} and printed no message" : string.Join('\n', Messages);
}
