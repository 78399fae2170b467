namespace QuayBuilder.BuildContext.Tests.Git;

/// <summary>Build-log sink that keeps every line, synchronously, and can run a probe on each.</summary>
public sealed class RecordingLog(Action<string>? onLine = null) : IProgress<string>
{
    private readonly List<string> _lines = [];

    public IReadOnlyList<string> Lines
    {
        get
        {
            lock (_lines)
            {
                return [.. _lines];
            }
        }
    }

    public string Text => string.Join('\n', Lines);

    public void Report(string value)
    {
        lock (_lines)
        {
            _lines.Add(value);
        }

        onLine?.Invoke(value);
    }
}
