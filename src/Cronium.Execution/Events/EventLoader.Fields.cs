using System.Globalization;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Cronium.Execution.Events;

/// <summary>The event file's field readers: each reports a problem with its line instead of throwing.</summary>
public static partial class EventLoader
{
    /// <summary>"90", "90s", "5m", "1h" → a duration between 1 s and 24 h.</summary>
    public static TimeSpan? ParseDuration(string text)
    {
        text = text.Trim();
        var unit = text.Length > 0 && char.IsLetter(text[^1]) ? char.ToLowerInvariant(text[^1]) : 's';
        var number = char.IsLetter(text.LastOrDefault()) ? text[..^1] : text;
        if (!double.TryParse(number, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) || value <= 0) return null;
        var span = unit switch { 's' => TimeSpan.FromSeconds(value), 'm' => TimeSpan.FromMinutes(value), 'h' => TimeSpan.FromHours(value), _ => (TimeSpan?)null };
        return span is { } s && s >= TimeSpan.FromSeconds(1) && s <= TimeSpan.FromHours(24) ? s : null;
    }

    /// <summary>"256m", "1g", "512k" or bytes.</summary>
    public static long? ParseBytes(string text)
    {
        text = text.Trim().ToLowerInvariant();
        var multiplier = text.Length == 0 ? 1 : text[^1] switch { 'k' => 1024L, 'm' => 1024L * 1024, 'g' => 1024L * 1024 * 1024, _ => 1L };
        var number = multiplier == 1 ? text : text[..^1];
        return long.TryParse(number, NumberStyles.None, CultureInfo.InvariantCulture, out var value) && value > 0 ? value * multiplier : null;
    }

    internal static string? Text(Dictionary<string, YamlNode> fields, string name, List<string> problems)
    {
        if (!fields.TryGetValue(name, out var node)) return null;
        if (node is YamlScalarNode { Value: { Length: > 0 } value }) return value;
        problems.Add($"line {node.Start.Line}: '{name}' must be a non-empty text");
        return null;
    }

    internal static TimeSpan Duration(YamlNode node, string name, List<string> problems)
    {
        if (node is YamlScalarNode { Value: { } text } && ParseDuration(text) is { } span) return span;
        problems.Add($"line {node.Start.Line}: '{name}' must be a duration from 1s to 24h (e.g. 30, 30s, 5m)");
        return TimeSpan.Zero;
    }

    private static bool Boolean(YamlNode node, string name, List<string> problems)
    {
        if (node is YamlScalarNode { Value: "true" or "false" } s) return s.Value == "true";
        problems.Add($"line {node.Start.Line}: '{name}' must be true or false");
        return false;
    }

    private static Dictionary<string, string> Environment(YamlNode node, List<string> problems)
    {
        var result = new Dictionary<string, string>();
        if (node is not YamlMappingNode map)
        {
            problems.Add($"line {node.Start.Line}: 'environment' must be a mapping of NAME: value");
            return result;
        }
        foreach (var (k, v) in map.Children)
        {
            var key = ((YamlScalarNode)k).Value ?? "";
            if (key.Length == 0 || !key.All(c => char.IsAsciiLetterOrDigit(c) || c == '_') || char.IsAsciiDigit(key[0]))
                problems.Add($"line {k.Start.Line}: environment name '{key}' must be letters, digits and '_'");
            else if (key.StartsWith("CRONIUM_", StringComparison.Ordinal))
                problems.Add($"line {k.Start.Line}: environment name '{key}' is reserved (CRONIUM_*)");
            else if (v is YamlScalarNode { Value: { } value }) result[key] = value;
            else problems.Add($"line {v.Start.Line}: environment value of '{key}' must be text");
        }
        return result;
    }

    private static ResourceLimits Resources(YamlNode node, List<string> problems)
    {
        var limits = ResourceLimits.Default;
        if (node is not YamlMappingNode map)
        {
            problems.Add($"line {node.Start.Line}: 'resources' must be a mapping (memory, cpus, pids)");
            return limits;
        }
        foreach (var (k, v) in map.Children)
        {
            var key = ((YamlScalarNode)k).Value ?? "";
            var text = (v as YamlScalarNode)?.Value ?? "";
            switch (key)
            {
                case "memory" when ParseBytes(text) is { } bytes && bytes >= 16L * 1024 * 1024:
                    limits = limits with { MemoryBytes = bytes };
                    break;
                case "memory":
                    problems.Add($"line {v.Start.Line}: 'resources.memory' must be at least 16m (e.g. 256m, 1g)");
                    break;
                case "cpus" when double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var cpus) && cpus is >= 0.05 and <= 64:
                    limits = limits with { Cpus = cpus };
                    break;
                case "cpus":
                    problems.Add($"line {v.Start.Line}: 'resources.cpus' must be a number from 0.05 to 64");
                    break;
                case "pids" when int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var pids) && pids is >= 8 and <= 32768:
                    limits = limits with { Pids = pids };
                    break;
                case "pids":
                    problems.Add($"line {v.Start.Line}: 'resources.pids' must be a whole number from 8 to 32768");
                    break;
                default:
                    problems.Add($"line {k.Start.Line}: unknown field 'resources.{key}' (known: {string.Join(", ", ResourceFields)})");
                    break;
            }
        }
        return limits;
    }

    /// <summary>YAML to JSON with YAML 1.2 core typing: plain scalars may be numbers, booleans or null; quoted ones stay text.</summary>
    internal static JsonNode? ToJson(YamlNode node) => node switch
    {
        YamlMappingNode map => new JsonObject(map.Children.Select(kv => KeyValuePair.Create(((YamlScalarNode)kv.Key).Value ?? "", ToJson(kv.Value)))),
        YamlSequenceNode seq => new JsonArray(seq.Children.Select(ToJson).ToArray()),
        YamlScalarNode { Style: not ScalarStyle.Plain } s => JsonValue.Create(s.Value),
        YamlScalarNode s => s.Value switch
        {
            null or "" or "null" or "~" => null,
            "true" => JsonValue.Create(true),
            "false" => JsonValue.Create(false),
            var v when long.TryParse(v, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var l) => JsonValue.Create(l),
            var v when double.TryParse(v, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) && double.IsFinite(d) && v.Any(char.IsAsciiDigit) => JsonValue.Create(d),
            var v => JsonValue.Create(v),
        },
        _ => null,
    };
}
