using System.Text;
using System.Text.Json;
using QuayBuilder.Tests.Fakes;

namespace QuayBuilder.Tests.Support;

/// <summary>
/// Reads a recorded build log the way a reader of split lines would: consecutive pieces marked
/// <c>"partial": {"ordinal", "last"}</c> are joined back into one line. Throws when the pieces of a
/// line are out of order, interleaved or unfinished, so a test cannot pass on a mangled log.
/// </summary>
public static class LogReassembly
{
    public static IReadOnlyList<string> Lines(IEnumerable<RecordedLogLine> recorded)
    {
        var lines = new List<string>();
        StringBuilder? open = null;
        int expected = 0;
        foreach (var line in recorded)
        {
            using var json = JsonDocument.Parse(line.Json);
            if (!json.RootElement.TryGetProperty("partial", out var partial))
            {
                if (open is not null)
                {
                    throw new InvalidOperationException($"line {line.Sequence} interrupts a split line after piece {expected - 1}");
                }

                lines.Add(line.Text);
                continue;
            }

            int ordinal = partial.GetProperty("ordinal").GetInt32();
            bool last = partial.GetProperty("last").GetBoolean();
            if (open is null)
            {
                if (ordinal != 1)
                {
                    throw new InvalidOperationException($"line {line.Sequence} is piece {ordinal} of a line whose first piece is missing");
                }

                open = new StringBuilder();
                expected = 1;
            }

            if (ordinal != expected)
            {
                throw new InvalidOperationException($"line {line.Sequence} is piece {ordinal}, expected {expected}");
            }

            open.Append(line.Text);
            expected++;
            if (last)
            {
                lines.Add(open.ToString());
                open = null;
            }
        }

        if (open is not null)
        {
            throw new InvalidOperationException($"the log ends inside a split line after piece {expected - 1}");
        }

        return lines;
    }
}
