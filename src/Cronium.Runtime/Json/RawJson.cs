using System.Text;
using System.Text.Json.Serialization;

namespace Cronium.Runtime.Json;

/// <summary>
/// JSON text kept as the client sent it (already validated on the way in) and written back verbatim:
/// no parse and re-serialize of values that may be megabytes, and no change to what the user stored.
/// Held either as text (from storage) or as the UTF-8 bytes a cache entry carries, so a cached value goes from
/// Valkey's reply to the response without being decoded into a string.
/// </summary>
[JsonConverter(typeof(RawJsonConverter))]
internal readonly struct RawJson
{
    public static readonly RawJson Null = new("null");

    private readonly string? text;
    private readonly ReadOnlyMemory<byte> utf8;

    public RawJson(string text) => this.text = text;

    public RawJson(ReadOnlyMemory<byte> utf8) => this.utf8 = utf8;

    public string Text => text ?? (utf8.IsEmpty ? "null" : Encoding.UTF8.GetString(utf8.Span));

    public static RawJson OrNull(string? text) => text is null ? Null : new RawJson(text);

    public void WriteTo(Utf8JsonWriter writer)
    {
        if (text is not null) writer.WriteRawValue(text, skipInputValidation: true);
        else if (!utf8.IsEmpty) writer.WriteRawValue(utf8.Span, skipInputValidation: true);
        else writer.WriteNullValue();
    }
}

internal sealed class RawJsonConverter : JsonConverter<RawJson>
{
    public override RawJson Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        using var document = JsonDocument.ParseValue(ref reader);
        return new RawJson(document.RootElement.GetRawText());
    }

    public override void Write(Utf8JsonWriter writer, RawJson value, JsonSerializerOptions options) => value.WriteTo(writer);
}
