using System.Buffers;
using System.Text;
using System.Text.Json;

namespace QuayBuilder.Build;

/// <summary>
/// One line of the build log, as the manager receives it: always a JSON object (the manager can
/// fail the whole stream on any other JSON value), whose text is under <c>error</c>,
/// <c>status</c> or <c>stream</c>. A piece of a split line also carries
/// <c>"partial": {"ordinal": n, "last": bool}</c>, which Quay's manager ignores.
/// </summary>
internal readonly record struct BuildLogMessage(LogMessageKind Kind, string Text, string? Id = null, long? Current = null, long? Total = null)
{
    public static BuildLogMessage Stream(string text) =>
        new(LogMessageKind.Stream, text.EndsWith('\n') ? text : text + "\n");

    public static BuildLogMessage Status(string status, string? id = null, long? current = null, long? total = null) =>
        new(LogMessageKind.Status, status, id, current, total);

    public static BuildLogMessage Error(string text) => new(LogMessageKind.Error, text);

    /// <summary>Set when this message is one piece of a longer line (see <see cref="LogPiece"/>).</summary>
    public LogPiece? Piece { get; init; }

    /// <summary>The text a person reads, without the JSON around it.</summary>
    public override string ToString() => Kind == LogMessageKind.Stream ? Text.TrimEnd('\n') : Text;

    public BuildLogMessage WithText(string text) => this with { Text = text };

    public string ToJson()
    {
        var buffer = new ArrayBufferWriter<byte>(Text.Length + 32);
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            switch (Kind)
            {
                case LogMessageKind.Stream:
                    json.WriteString("stream", Text);
                    break;
                case LogMessageKind.Error:
                    json.WriteString("error", Text);
                    break;
                default:
                    json.WriteString("status", Text);
                    if (Id is not null)
                    {
                        json.WriteString("id", Id);
                    }

                    if (Current is not null || Total is not null)
                    {
                        json.WriteStartObject("progressDetail");
                        if (Current is { } current)
                        {
                            json.WriteNumber("current", current);
                        }

                        if (Total is { } total)
                        {
                            json.WriteNumber("total", total);
                        }

                        json.WriteEndObject();
                    }

                    break;
            }

            if (Piece is { } piece)
            {
                json.WriteStartObject("partial");
                json.WriteNumber("ordinal", piece.Ordinal);
                json.WriteBoolean("last", piece.Last);
                json.WriteEndObject();
            }

            json.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }
}
