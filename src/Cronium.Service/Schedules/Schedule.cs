using YamlDotNet.RepresentationModel;

namespace Cronium.Service.Schedules;

/// <summary>What a fire does while the previous run of the same definition still goes.</summary>
public enum Overlap { Skip, Queue, Allow }

/// <summary>
/// A definition's <c>schedule: {cron, timezone, overlap}</c>. <see cref="Cron"/> is as written (5 fields, or 6 with
/// seconds first); <see cref="QuartzCron"/> is the same schedule in Quartz's dialect, which fires it.
/// </summary>
public sealed record Schedule(string Cron, string QuartzCron, TimeZoneInfo TimeZone, Overlap Overlap)
{
    private static readonly string[] Fields = ["cron", "timezone", "overlap"];

    /// <summary>The schedule of a definition's root mapping, null when it has none; problems name the field and line.</summary>
    public static Schedule? From(YamlMappingNode root, List<string> problems)
    {
        if (!root.Children.TryGetValue(new YamlScalarNode("schedule"), out var node)) return null;
        if (node is not YamlMappingNode map)
        {
            problems.Add($"line {node.Start.Line}: 'schedule' is a mapping: {{cron: \"0 3 * * *\", timezone: UTC, overlap: skip}}");
            return null;
        }
        var values = new Dictionary<string, YamlScalarNode>();
        foreach (var (k, v) in map.Children)
        {
            var key = ((YamlScalarNode)k).Value ?? "";
            if (!Fields.Contains(key)) problems.Add($"line {k.Start.Line}: unknown field 'schedule.{key}' (known: {string.Join(", ", Fields)})");
            else if (v is YamlScalarNode scalar) values[key] = scalar;
            else problems.Add($"line {v.Start.Line}: 'schedule.{key}' is a single value");
        }
        var before = problems.Count;
        if (!values.TryGetValue("cron", out var cronNode) || string.IsNullOrWhiteSpace(cronNode.Value))
            problems.Add($"line {map.Start.Line}: 'schedule.cron' is required (5 fields, e.g. \"0 3 * * *\", or 6 with seconds first)");
        var cron = cronNode?.Value?.Trim() ?? "";
        string? quartz = null;
        if (cron.Length > 0)
        {
            try
            {
                quartz = CronDialect.ToQuartz(cron);
                _ = CronExpression.Parse(quartz);
            }
            catch (FormatException e)
            {
                problems.Add($"line {cronNode!.Start.Line}: 'schedule.cron' \"{cron}\" is not a valid cron expression: {e.Message}");
            }
        }
        var zone = TimeZoneInfo.Utc;
        if (values.TryGetValue("timezone", out var zoneNode) && zoneNode.Value is { Length: > 0 } zoneId)
        {
            if (!TimeZoneInfo.TryFindSystemTimeZoneById(zoneId, out var found))
                problems.Add($"line {zoneNode.Start.Line}: 'schedule.timezone' \"{zoneId}\" is not a known time zone (an IANA name such as Europe/Berlin, or UTC)");
            else zone = found;
        }
        var overlap = Overlap.Skip;
        if (values.TryGetValue("overlap", out var overlapNode))
        {
            if (!Enum.TryParse(overlapNode.Value, ignoreCase: true, out overlap) || overlapNode.Value is null || overlapNode.Value.Any(char.IsUpper))
                problems.Add($"line {overlapNode.Start.Line}: 'schedule.overlap' must be skip, queue or allow");
        }
        return problems.Count > before || quartz is null ? null : new Schedule(cron, quartz, zone, overlap);
    }
}
