using System.Text;
using System.Text.Json;

namespace QuayBuilder.Podman;

/// <summary>
/// The build APIs' <c>labels</c> query value, written with <see cref="Utf8JsonWriter"/> (no
/// reflection). libpod accepts a JSON list of <c>key=value</c> strings and keeps its order;
/// the Docker Engine API documents only a JSON object.
/// </summary>
internal static class LabelsParameter
{
    public static string AsList(IReadOnlyList<KeyValuePair<string, string>> labels) => Write(json =>
    {
        json.WriteStartArray();
        foreach (var (key, value) in labels)
        {
            json.WriteStringValue(key + "=" + value);
        }

        json.WriteEndArray();
    });

    public static string AsObject(IReadOnlyList<KeyValuePair<string, string>> labels) => Write(json =>
    {
        json.WriteStartObject();
        foreach (var (key, value) in labels)
        {
            json.WriteString(key, value);
        }

        json.WriteEndObject();
    });

    private static string Write(Action<Utf8JsonWriter> write)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            write(json);
        }

        return Encoding.UTF8.GetString(buffer.ToArray());
    }
}
