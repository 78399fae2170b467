using System.Globalization;
using System.Text;
using Microsoft.Extensions.Logging;
using QuayBuilder.Logging;

namespace QuayBuilder.Hosting;

/// <summary>
/// Turns one log event into exactly one output line (no trailing newline).
/// </summary>
/// <remarks>
/// Invariants: the result never contains a line break or another control character (journald
/// would split it into entries of which only the first carries the priority, and a terminal
/// would interpret escape sequences), and it has passed through the masker — applied to the
/// whole text before escaping, so a multi-line secret is still recognised whole.
/// </remarks>
internal sealed class WorkerLogLineFormatter
{
    // journald's LineMax defaults to 48 KiB and splits longer lines, losing the priority of the rest.
    internal const int MaxMessageLength = 16 * 1024;

    private readonly WorkerLogFormat _format;
    private readonly string _prefix;
    private readonly SecretMasker _masker;
    private readonly bool _includeStackTraces;

    public WorkerLogLineFormatter(WorkerLogFormat format, string? buildUuid, SecretMasker masker, bool includeStackTraces)
    {
        ArgumentNullException.ThrowIfNull(masker);
        _format = format;
        _prefix = string.IsNullOrWhiteSpace(buildUuid) ? string.Empty : "[" + buildUuid.Trim() + "] ";
        _masker = masker;
        _includeStackTraces = includeStackTraces;
    }

    public string Format(LogLevel level, string message, Exception? exception, DateTimeOffset timestamp)
    {
        var text = exception is null ? message : message + ": " + Describe(exception);
        text = Escape(_masker.Apply(text));
        if (text.Length > MaxMessageLength)
        {
            text = string.Concat(text.AsSpan(0, MaxMessageLength), "… (truncated)");
        }

        return _format switch
        {
            WorkerLogFormat.Journald => "<" + SyslogPriority(level).ToString(CultureInfo.InvariantCulture) + ">" + _prefix + text,
            _ => timestamp.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture)
                + " " + LevelName(level) + " " + _prefix + text,
        };
    }

    /// <summary>syslog(3) priorities, which journald reads from a leading &lt;N&gt; on stream lines.</summary>
    internal static int SyslogPriority(LogLevel level) => level switch
    {
        LogLevel.Critical => 2, // LOG_CRIT
        LogLevel.Error => 3,    // LOG_ERR
        LogLevel.Warning => 4,  // LOG_WARNING
        LogLevel.Information => 6, // LOG_INFO
        _ => 7,                 // LOG_DEBUG (Debug, Trace)
    };

    // Fixed width so messages line up in a terminal.
    private static string LevelName(LogLevel level) => level switch
    {
        LogLevel.Critical => "CRIT ",
        LogLevel.Error => "ERROR",
        LogLevel.Warning => "WARN ",
        LogLevel.Information => "INFO ",
        LogLevel.Debug => "DEBUG",
        _ => "TRACE",
    };

    // Without DEBUG the operator wants the cause chain, not 40 lines of frames.
    private string Describe(Exception exception)
    {
        if (_includeStackTraces)
        {
            return exception.ToString();
        }

        var builder = new StringBuilder();
        for (var current = exception; current is not null; current = current.InnerException)
        {
            if (builder.Length > 0)
            {
                builder.Append(" ---> ");
            }

            builder.Append(current.GetType().Name).Append(": ").Append(current.Message);
        }

        return builder.ToString();
    }

    /// <summary>Line breaks become a visible "\n"; other control characters "\xNN"; tabs stay.</summary>
    internal static string Escape(string text)
    {
        var needsEscaping = false;
        foreach (var c in text)
        {
            if (c != '\t' && char.IsControl(c))
            {
                needsEscaping = true;
                break;
            }
        }

        if (!needsEscaping)
        {
            return text;
        }

        var builder = new StringBuilder(text.Length + 16);
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            switch (c)
            {
                case '\r' when i + 1 < text.Length && text[i + 1] == '\n':
                    break; // CRLF is one line break
                case '\r':
                case '\n':
                    builder.Append("\\n");
                    break;
                case '\t':
                    builder.Append(c);
                    break;
                default:
                    if (char.IsControl(c))
                    {
                        builder.Append("\\x").Append(((int)c).ToString("x2", CultureInfo.InvariantCulture));
                    }
                    else
                    {
                        builder.Append(c);
                    }

                    break;
            }
        }

        return builder.ToString();
    }
}
