using System.Globalization;
using System.Text;
using QuayBuilder.Build;

namespace QuayBuilder.Local;

/// <summary>
/// The state of one pull or push as a progress bar. With byte counts (Docker's API sends
/// <c>progressDetail</c>) the bar shows bytes. Podman's libpod API reports only stages
/// ("Copying blob …", "Writing manifest …"), so then the bar shows how far through those
/// stages the transfer is: honest about order, not about bytes.
/// </summary>
internal sealed class TransferProgress
{
    private const int BarCells = 20;

    private int _blobs;

    /// <summary>The layer the bar is about, when the runtime names one.</summary>
    public string? Id { get; private set; }

    public string Text { get; private set; } = string.Empty;

    /// <summary>0..1; never moves backwards within one transfer.</summary>
    public double Fraction { get; private set; }

    public long? Current { get; private set; }

    public long? Total { get; private set; }

    /// <summary>Whether <paramref name="message"/> continues this transfer (same layer) rather than starting another.</summary>
    public bool Continues(BuildLogMessage message) => string.Equals(Id, message.Id, StringComparison.Ordinal);

    public void Update(BuildLogMessage message)
    {
        Id = message.Id;
        Text = message.Text.Trim();
        Current = message.Current;
        Total = message.Total;
        double? next = message.Current is { } current && message.Total is { } total && total > 0
            ? Math.Clamp((double)current / total, 0, 1)
            : StageFraction(Text);
        if (next is { } value && value > Fraction)
        {
            Fraction = value;
        }
    }

    /// <summary>One line, at most <paramref name="width"/> characters: bar, percentage, bytes, text.</summary>
    public string Render(int width)
    {
        var filled = (int)Math.Round(Fraction * BarCells);
        var line = new StringBuilder(width);
        line.Append("  [").Append('█', filled).Append('░', BarCells - filled).Append("] ");
        line.Append(((int)Math.Round(Fraction * 100)).ToString(CultureInfo.InvariantCulture).PadLeft(3)).Append("% ");
        if (Current is { } current && Total is { } total && total > 0)
        {
            line.Append(Bytes(current)).Append('/').Append(Bytes(total)).Append(' ');
        }

        if (Id is not null)
        {
            line.Append(Id).Append(": ");
        }

        line.Append(Text);
        if (line.Length > width && width > 1)
        {
            line.Length = width - 1;
            line.Append('…');
        }

        return line.ToString();
    }

    // The stages containers/image reports, in order, for pulls and pushes alike.
    private double? StageFraction(string text)
    {
        if (text.StartsWith("Trying to pull", StringComparison.Ordinal))
        {
            return 0.05;
        }

        if (text.StartsWith("Getting image source signatures", StringComparison.Ordinal))
        {
            return 0.10;
        }

        if (text.StartsWith("Copying blob", StringComparison.Ordinal))
        {
            // The number of blobs is not announced: each one closes half the remaining gap.
            _blobs++;
            return 0.10 + 0.70 * (1 - Math.Pow(0.5, _blobs));
        }

        if (text.StartsWith("Copying config", StringComparison.Ordinal))
        {
            return 0.85;
        }

        if (text.StartsWith("Writing manifest", StringComparison.Ordinal))
        {
            return 0.95;
        }

        if (text.StartsWith("Storing signatures", StringComparison.Ordinal) ||
            text is "Pull complete" or "Download complete" or "Already exists" or "Pushed" or "Layer already exists")
        {
            return 1.0;
        }

        return null;
    }

    private static string Bytes(long bytes) => bytes switch
    {
        < 1024 => $"{bytes} B",
        < 1024 * 1024 => string.Create(CultureInfo.InvariantCulture, $"{bytes / 1024.0:0.0} KiB"),
        < 1024L * 1024 * 1024 => string.Create(CultureInfo.InvariantCulture, $"{bytes / 1024.0 / 1024:0.0} MiB"),
        _ => string.Create(CultureInfo.InvariantCulture, $"{bytes / 1024.0 / 1024 / 1024:0.00} GiB"),
    };
}
