using System.Text;
using QuayBuilder.Build;

namespace QuayBuilder.Manager;

/// <summary>
/// Cuts a log line whose text is longer than a bound (in UTF-8 bytes, what goes on the wire) into
/// consecutive pieces. Invariants: every piece's text encodes to at most the bound; the pieces'
/// texts concatenated are the original text, char for char; a surrogate pair is never cut in two
/// (each piece is valid UTF-16, so it encodes to exactly the bytes the whole line would).
/// </summary>
internal static class LogLineSplitter
{
    /// <summary>The longest character in UTF-8: a surrogate pair. A bound below it could not make progress.</summary>
    public const int MinimumBytes = 4;

    /// <summary>The message itself when it fits, else its pieces, each marked with a <see cref="LogPiece"/>.</summary>
    public static IReadOnlyList<BuildLogMessage> Split(BuildLogMessage message, int maxBytes)
    {
        var ranges = Ranges(message.Text, maxBytes);
        if (ranges.Count == 1)
        {
            return [message];
        }

        var pieces = new BuildLogMessage[ranges.Count];
        for (int i = 0; i < ranges.Count; i++)
        {
            var (start, length) = ranges[i];
            pieces[i] = message.WithText(message.Text.Substring(start, length)) with { Piece = new LogPiece(i + 1, i == ranges.Count - 1) };
        }

        return pieces;
    }

    /// <summary>(start, length) in chars of each piece of <paramref name="text"/>; one range when it fits.</summary>
    public static IReadOnlyList<(int Start, int Length)> Ranges(string text, int maxBytes)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxBytes, MinimumBytes);

        // A char is at most 3 UTF-8 bytes (a pair is 4 for 2 chars), so short text needs no count.
        if (text.Length <= maxBytes / 3 || (text.Length <= maxBytes && Encoding.UTF8.GetByteCount(text) <= maxBytes))
        {
            return [(0, text.Length)];
        }

        var ranges = new List<(int, int)>();
        int start = 0;
        int bytes = 0;
        int i = 0;
        while (i < text.Length)
        {
            // Build output is mostly ASCII: take a whole piece's worth at once when it is.
            if (bytes == 0 && text.Length - i > maxBytes && Ascii.IsValid(text.AsSpan(i, maxBytes)))
            {
                ranges.Add((i, maxBytes));
                i += maxBytes;
                start = i;
                continue;
            }

            char c = text[i];
            int chars = 1;
            int width;
            if (c < 0x80)
            {
                width = 1;
            }
            else if (c < 0x800)
            {
                width = 2;
            }
            else if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                width = 4;
                chars = 2;
            }
            else
            {
                // The rest of the BMP; a lone surrogate is sent as U+FFFD, also 3 bytes.
                width = 3;
            }

            if (bytes + width > maxBytes)
            {
                ranges.Add((start, i - start));
                start = i;
                bytes = 0;
            }

            bytes += width;
            i += chars;
        }

        if (i > start)
        {
            ranges.Add((start, i - start));
        }

        return ranges;
    }
}
