using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Fluid;
using Fluid.Values;

namespace Cronium.Workflows.Templates;

/// <summary>
/// JSON as Liquid sees it: objects whose missing members are noted (with their full path) instead of quietly
/// becoming empty text, so a template that names a field the data lacks is an error that names it.
/// </summary>
internal static class JsonFluid
{
    public static FluidValue From(JsonNode? node, string path, ICollection<string> missing) => node switch
    {
        null => NilValue.Instance,
        JsonObject o => new DictionaryValue(new Members(o, path, missing)),
        JsonArray a => new ArrayValue(a.Select((item, i) => From(item, $"{path}[{i}]", missing)).ToArray()),
        JsonValue v => v.GetValueKind() switch
        {
            JsonValueKind.String => new StringValue(v.GetValue<string>()),
            JsonValueKind.True => BooleanValue.True,
            JsonValueKind.False => BooleanValue.False,
            // Liquid numbers are decimals; one too large for that stays as the digits it was written with.
            JsonValueKind.Number => decimal.TryParse(v.ToJsonString(), NumberStyles.Float, CultureInfo.InvariantCulture, out var d)
                ? NumberValue.Create(d)
                : new StringValue(v.ToJsonString()),
            _ => NilValue.Instance,
        },
        _ => NilValue.Instance,
    };

    private sealed class Members(JsonObject value, string path, ICollection<string> missing) : IFluidIndexable
    {
        public int Count => value.Count;

        public IEnumerable<string> Keys => value.Select(p => p.Key);

        public bool TryGetValue(string name, out FluidValue result)
        {
            if (value.TryGetPropertyValue(name, out var member))
            {
                result = From(member, $"{path}.{name}", missing);
                return true;
            }
            missing.Add($"{path}.{name}");
            result = NilValue.Instance;
            return false;
        }
    }
}
