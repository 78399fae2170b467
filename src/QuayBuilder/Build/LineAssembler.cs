using System.Text;

namespace QuayBuilder.Build;

/// <summary>
/// Turns the runtime's output chunks into whole lines. Podman sends build output in chunks that
/// may hold several lines or part of one, depending on timing; a step header split across two
/// chunks would otherwise reach the manager as two lines, neither of which Quay recognises.
/// Not thread-safe: one assembler per output stream.
/// </summary>
internal sealed class LineAssembler(Action<string> onLine)
{
    private readonly StringBuilder _partial = new();

    public void Append(string chunk)
    {
        int start = 0;
        while (true)
        {
            int newline = chunk.IndexOf('\n', start);
            if (newline < 0)
            {
                _partial.Append(chunk, start, chunk.Length - start);
                return;
            }

            _partial.Append(chunk, start, newline - start);
            var line = _partial.ToString().TrimEnd('\r');
            _partial.Clear();
            if (line.Length > 0)
            {
                onLine(line);
            }

            start = newline + 1;
        }
    }

    /// <summary>Emits what is left when the stream ends without a final newline.</summary>
    public void Flush()
    {
        if (_partial.Length > 0)
        {
            var line = _partial.ToString();
            _partial.Clear();
            onLine(line);
        }
    }
}
