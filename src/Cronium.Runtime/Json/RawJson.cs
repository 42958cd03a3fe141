using System.Text.Json;
using System.Text.Json.Serialization;

namespace Cronium.Runtime.Json;

/// <summary>
/// JSON text kept as the client sent it (already validated on the way in) and written back verbatim:
/// no parse and re-serialize of values that may be megabytes, and no change to what the user stored.
/// </summary>
[JsonConverter(typeof(RawJsonConverter))]
internal readonly record struct RawJson(string Text)
{
    public static readonly RawJson Null = new("null");

    public static RawJson OrNull(string? text) => text is null ? Null : new RawJson(text);
}

internal sealed class RawJsonConverter : JsonConverter<RawJson>
{
    public override RawJson Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        using var document = JsonDocument.ParseValue(ref reader);
        return new RawJson(document.RootElement.GetRawText());
    }

    public override void Write(Utf8JsonWriter writer, RawJson value, JsonSerializerOptions options) =>
        writer.WriteRawValue(value.Text ?? "null", skipInputValidation: true);
}
