namespace QuayBuilder.Build;

/// <summary>
/// Marks one piece of a log line too long for one message, as Docker's log drivers mark the
/// parts of a line they split: pieces are sent consecutively, numbered from 1, and only the last
/// has <see cref="Last"/> set. The pieces' texts, concatenated, are the original line.
/// </summary>
internal readonly record struct LogPiece(int Ordinal, bool Last);
