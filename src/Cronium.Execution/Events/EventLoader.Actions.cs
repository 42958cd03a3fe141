using YamlDotNet.RepresentationModel;

namespace Cronium.Execution.Events;

/// <summary>
/// Conditional actions, and the two things an action (or a workflow node) can name:
/// <code>
/// actions:
///   ON_SUCCESS:   [{event: transform.yaml}]            # another event file, relative to this one
///   ON_FAILURE:   [{tool: slack, credential: team, params: {text: "failed: {{ error }}"}}]
///   ALWAYS:       [{event: {name: cleanup, language: bash, script: "echo done"}}]   # an inline event
///   ON_CONDITION: [{event: alert.py}]                  # a script file is an event with defaults
/// </code>
/// </summary>
public static partial class EventLoader
{
    public static readonly string[] ActionKinds = ["ON_SUCCESS", "ON_FAILURE", "ALWAYS", "ON_CONDITION"];

    private static readonly string[] ActionFields = ["event", "tool", "credential", "action", "params"];

    private static List<EventAction> Actions(YamlNode node, string file, List<string> problems)
    {
        var actions = new List<EventAction>();
        if (node is not YamlMappingNode map)
        {
            problems.Add($"line {node.Start.Line}: 'actions' must be a mapping of {string.Join(", ", ActionKinds)} to lists of actions");
            return actions;
        }
        foreach (var (k, v) in map.Children)
        {
            var kind = ((YamlScalarNode)k).Value ?? "";
            if (!ActionKinds.Contains(kind))
            {
                problems.Add($"line {k.Start.Line}: unknown action kind '{kind}' (known: {string.Join(", ", ActionKinds)})");
                continue;
            }
            IEnumerable<YamlNode> items = v switch
            {
                YamlSequenceNode seq => seq.Children,
                YamlMappingNode one => [one],
                _ => [],
            };
            if (v is not (YamlSequenceNode or YamlMappingNode))
                problems.Add($"line {v.Start.Line}: '{kind}' must be a list of actions ({{event: ...}} or {{tool: ..., credential: ...}})");
            foreach (var item in items)
            {
                if (item is not YamlMappingNode fields)
                {
                    problems.Add($"line {item.Start.Line}: an action is a mapping: {{event: file.yaml}} or {{tool: slack, credential: name, params: {{...}}}}");
                    continue;
                }
                if (Target(fields, item.Start.Line, file, ActionFields, "action", problems) is { } target) actions.Add(new EventAction(kind, target, item.Start.Line));
            }
        }
        return actions;
    }

    /// <summary>
    /// What an action or a workflow node runs: <c>event:</c> (a file, or an inline event) or <c>tool:</c> with its
    /// <c>credential</c>, <c>action</c> and <c>params</c>. Fields beyond <paramref name="known"/> are the caller's.
    /// </summary>
    internal static StepTarget? Target(YamlMappingNode map, long line, string file, IReadOnlyCollection<string> known, string what, List<string> problems)
    {
        var fields = new Dictionary<string, YamlNode>();
        foreach (var (k, v) in map.Children)
        {
            var key = ((YamlScalarNode)k).Value ?? "";
            if (!known.Contains(key)) problems.Add($"line {k.Start.Line}: unknown field '{key}' in this {what} (known: {string.Join(", ", known)})");
            else fields[key] = v;
        }
        var hasEvent = fields.TryGetValue("event", out var eventNode);
        var hasTool = fields.ContainsKey("tool");
        if (hasEvent == hasTool)
        {
            problems.Add($"line {line}: a {what} names either 'event' (a file or an inline event) or 'tool', not {(hasEvent ? "both" : "neither")}");
            return null;
        }

        if (hasEvent)
        {
            foreach (var extra in new[] { "credential", "action", "params" }.Where(fields.ContainsKey))
                problems.Add($"line {fields[extra].Start.Line}: '{extra}' belongs to a tool {what}, not an event");
            switch (eventNode)
            {
                case YamlScalarNode { Value: { Length: > 0 } relative }:
                    var path = Resolve(file, relative);
                    if (!File.Exists(path))
                    {
                        problems.Add($"line {eventNode.Start.Line}: event file '{relative}' does not exist ({path})");
                        return null;
                    }
                    if (!IsYaml(path) && Languages.FromExtension(path) is null)
                    {
                        problems.Add($"line {eventNode.Start.Line}: '{relative}' is neither an event .yaml nor a script (.sh, .py, .js)");
                        return null;
                    }
                    return new StepTarget { EventPath = path, Line = eventNode.Start.Line };
                case YamlMappingNode inline:
                    var before = problems.Count;
                    var ev = FromMapping(inline, file, $"{System.IO.Path.GetFileNameWithoutExtension(file)}-line-{inline.Start.Line}", null, problems);
                    return problems.Count > before ? null : new StepTarget { InlineEvent = ev, Line = inline.Start.Line };
                default:
                    problems.Add($"line {eventNode!.Start.Line}: 'event' must be a file (relative to this one) or an inline event mapping");
                    return null;
            }
        }

        var tool = Text(fields, "tool", problems);
        var credential = Text(fields, "credential", problems);
        var action = Text(fields, "action", problems) ?? "send";
        if (tool is not null && !ToolCall.Tools.Contains(tool))
            problems.Add($"line {fields["tool"].Start.Line}: unknown tool '{tool}' (known: {string.Join(", ", ToolCall.Tools)})");
        if (credential is null && !fields.ContainsKey("credential"))
            problems.Add($"line {line}: a tool {what} needs a 'credential' (the name of a stored tool credential)");
        JsonObject parameters = [];
        if (fields.TryGetValue("params", out var p))
        {
            if (ToJson(p) is JsonObject o) parameters = o;
            else problems.Add($"line {p.Start.Line}: 'params' must be a mapping");
        }
        if (tool is null || credential is null || !ToolCall.Tools.Contains(tool)) return null;
        return new StepTarget { Tool = new ToolCall(tool, credential, action, parameters, line), Line = line };
    }
}
