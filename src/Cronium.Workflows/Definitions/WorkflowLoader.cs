using System.Globalization;
using System.Text.RegularExpressions;
using Cronium.Workflows.Templates;
using QuikGraph;
using QuikGraph.Algorithms;
using YamlDotNet.RepresentationModel;

namespace Cronium.Workflows.Definitions;

/// <summary>
/// Reads and checks a workflow file before anything runs. Every problem is reported at once, each with the node or
/// edge and the line: an unknown field, a missing or duplicate id, an edge to a node that does not exist, a
/// self-loop, a cycle, an event file that does not exist, a <c>when</c> that is not one of the four kinds, a tool
/// node without a credential, a template that does not parse.
/// <code>
/// name: nightly-report
/// input: {day: "2026-11-27"}
/// concurrency: 4
/// timeout: 30m
/// nodes:
///   - {id: fetch, event: fetch.yaml, retries: {attempts: 3, backoff: 2s}, timeout: 1m}
///   - {id: merge, event: merge.sh, join: all}
///   - {id: alert, tool: slack, credential: team, params: {text: "{{ nodes.fetch.error }}"}}
/// edges:
///   - {from: fetch, to: merge, when: ON_SUCCESS}     # when: ALWAYS by default
/// </code>
/// </summary>
public static partial class WorkflowLoader
{
    private static readonly string[] Fields = ["name", "input", "concurrency", "timeout", "nodes", "edges", "schedule", "recovery"];
    private static readonly string[] NodeFields = ["id", "event", "tool", "credential", "action", "params", "join", "retries", "timeout"];
    private static readonly string[] StepFields = ["event", "tool", "credential", "action", "params"];
    private static readonly string[] EdgeFields = ["from", "to", "when"];

    [GeneratedRegex(@"^[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}\z")]
    private static partial Regex IdPattern();

    public static WorkflowDefinition Load(string path)
    {
        if (!File.Exists(path)) throw new EventFileException(path, ["file not found"]);
        var root = EventLoader.ReadYaml(path) as YamlMappingNode
            ?? throw new EventFileException(path, ["line 1: a workflow is a mapping (name:, nodes:, edges: ...)"]);

        var problems = new List<string>();
        var warnings = new List<string>();
        var fields = new Dictionary<string, YamlNode>();
        foreach (var (k, v) in root.Children)
        {
            var key = ((YamlScalarNode)k).Value ?? "";
            if (!Fields.Contains(key)) problems.Add($"line {k.Start.Line}: unknown field '{key}' (known: {string.Join(", ", Fields)})");
            else fields[key] = v;
        }

        var name = EventLoader.Text(fields, "name", problems) ?? Path.GetFileNameWithoutExtension(path);
        if (name.Length > 128) problems.Add($"line {fields["name"].Start.Line}: 'name' is at most 128 characters");
        var input = fields.TryGetValue("input", out var i) ? EventLoader.ToJson(i) : null;
        var concurrency = Environment.ProcessorCount;
        if (fields.TryGetValue("concurrency", out var c))
        {
            if (c is YamlScalarNode { Value: { } text } && int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n is >= 1 and <= 256) concurrency = n;
            else problems.Add($"line {c.Start.Line}: 'concurrency' must be a whole number from 1 to 256");
        }
        TimeSpan? timeout = fields.TryGetValue("timeout", out var t) ? EventLoader.Duration(t, "timeout", problems) : null;

        var declared = new HashSet<string>(StringComparer.Ordinal);
        var nodes = fields.TryGetValue("nodes", out var nodesNode) ? Nodes(nodesNode, path, declared, problems, warnings) : [];
        if (!fields.ContainsKey("nodes")) problems.Add($"line {root.Start.Line}: 'nodes' is required (a list of {{id: ..., event: ...}} or {{id: ..., tool: ...}})");
        var edges = fields.TryGetValue("edges", out var edgesNode) ? Edges(edgesNode, declared, problems) : [];
        problems.AddRange(Cycles(edges));

        if (problems.Count > 0) throw new EventFileException(path, problems);
        return new WorkflowDefinition(name, Path.GetFullPath(path), input, concurrency, timeout, nodes, edges, warnings);
    }

    /// <summary>The nodes that are good; <paramref name="declared"/> gets every id written, so an edge to a node with a problem is not also "unknown".</summary>
    private static List<WorkflowNode> Nodes(YamlNode node, string file, HashSet<string> declared, List<string> problems, List<string> warnings)
    {
        var nodes = new List<WorkflowNode>();
        if (node is not YamlSequenceNode list || list.Children.Count == 0)
        {
            problems.Add($"line {node.Start.Line}: 'nodes' must be a list with at least one node");
            return nodes;
        }
        var seen = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var item in list.Children)
        {
            if (item is not YamlMappingNode map)
            {
                problems.Add($"line {item.Start.Line}: a node is a mapping: {{id: name, event: file.yaml}} or {{id: name, tool: slack, credential: name}}");
                continue;
            }
            var fields = new Dictionary<string, YamlNode>();
            var step = new YamlMappingNode();
            foreach (var (k, v) in map.Children)
            {
                var key = ((YamlScalarNode)k).Value ?? "";
                if (!NodeFields.Contains(key)) problems.Add($"line {k.Start.Line}: unknown field '{key}' in a node (known: {string.Join(", ", NodeFields)})");
                else fields[key] = v;
                if (StepFields.Contains(key)) step.Add(k, v);
            }

            var id = EventLoader.Text(fields, "id", problems);
            if (id is null)
            {
                if (!fields.ContainsKey("id")) problems.Add($"line {map.Start.Line}: a node needs an 'id'");
                continue;
            }
            var at = $"line {map.Start.Line}: node '{id}'";
            declared.Add(id);
            if (!IdPattern().IsMatch(id)) problems.Add($"{at}: the id must be letters, digits, '_', '.', ':' or '-' (at most 128)");
            if (seen.TryGetValue(id, out var first)) problems.Add($"{at}: duplicate id (first at line {first})");
            else seen[id] = map.Start.Line;

            var before = problems.Count;
            var targetProblems = new List<string>();
            var target = EventLoader.Target(step, map.Start.Line, file, StepFields, "node", targetProblems);
            problems.AddRange(targetProblems.Select(p => $"{at}: {p.Replace($"line {map.Start.Line}: ", "")}"));
            var join = JoinMode.Any;
            if (EventLoader.Text(fields, "join", problems) is { } joinText)
            {
                if (joinText is "any" or "all") join = joinText == "all" ? JoinMode.All : JoinMode.Any;
                else problems.Add($"{at}: 'join' must be any or all, not '{joinText}'");
            }
            var retries = fields.TryGetValue("retries", out var r) ? Retries(r, at, problems) : RetryPolicy.None;
            TimeSpan? timeout = fields.TryGetValue("timeout", out var to) ? EventLoader.Duration(to, "timeout", problems) : null;
            if (target is null || problems.Count > before) continue;

            EventDefinition? ev = target.InlineEvent;
            if (target.EventPath is { } eventPath)
            {
                try
                {
                    ev = EventLoader.Load(eventPath);
                }
                catch (EventFileException e)
                {
                    problems.AddRange(e.Problems.Select(p => $"{at}: {Path.GetFileName(eventPath)}: {p}"));
                    continue;
                }
            }
            if (ev is { Actions.Count: > 0 })
                warnings.Add($"{at}: the event's own actions are not run inside a workflow; edges say what follows a node");
            if (target.Tool is { } tool)
                problems.AddRange(ParamsTemplate.Check(tool.Params).Select(p => $"{at}: {p}"));
            nodes.Add(new WorkflowNode(id, ev, target.Tool, join, retries, timeout, map.Start.Line));
        }
        return nodes;
    }

    private static RetryPolicy Retries(YamlNode node, string at, List<string> problems)
    {
        if (node is not YamlMappingNode map)
        {
            problems.Add($"{at}: 'retries' is a mapping: {{attempts: 3, backoff: 2s}}");
            return RetryPolicy.None;
        }
        var attempts = 1;
        var backoff = TimeSpan.Zero;
        foreach (var (k, v) in map.Children)
        {
            var key = ((YamlScalarNode)k).Value;
            var text = (v as YamlScalarNode)?.Value ?? "";
            switch (key)
            {
                case "attempts" when int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var a) && a is >= 1 and <= 100:
                    attempts = a;
                    break;
                case "attempts":
                    problems.Add($"line {v.Start.Line}: 'retries.attempts' must be a whole number from 1 to 100 (attempts in all, the first included)");
                    break;
                case "backoff" when text == "0":
                    break;
                case "backoff" when EventLoader.ParseDuration(text) is { } span:
                    backoff = span;
                    break;
                case "backoff":
                    problems.Add($"line {v.Start.Line}: 'retries.backoff' must be 0 or a duration from 1s to 24h (e.g. 2s, 1m)");
                    break;
                default:
                    problems.Add($"line {k.Start.Line}: unknown field 'retries.{key}' (known: attempts, backoff)");
                    break;
            }
        }
        return new RetryPolicy(attempts, backoff);
    }

    private static List<WorkflowEdge> Edges(YamlNode node, HashSet<string> known, List<string> problems)
    {
        var edges = new List<WorkflowEdge>();
        if (node is not YamlSequenceNode list)
        {
            problems.Add($"line {node.Start.Line}: 'edges' must be a list of {{from: a, to: b, when: ON_SUCCESS}}");
            return edges;
        }
        foreach (var item in list.Children)
        {
            if (item is not YamlMappingNode map)
            {
                problems.Add($"line {item.Start.Line}: an edge is a mapping: {{from: a, to: b, when: ON_SUCCESS}}");
                continue;
            }
            var fields = new Dictionary<string, YamlNode>();
            foreach (var (k, v) in map.Children)
            {
                var key = ((YamlScalarNode)k).Value ?? "";
                if (!EdgeFields.Contains(key)) problems.Add($"line {k.Start.Line}: unknown field '{key}' in an edge (known: {string.Join(", ", EdgeFields)})");
                else fields[key] = v;
            }
            var before = problems.Count;
            var from = EventLoader.Text(fields, "from", problems);
            var to = EventLoader.Text(fields, "to", problems);
            var when = EventLoader.Text(fields, "when", problems) ?? "ALWAYS";
            var at = $"line {map.Start.Line}: edge {from ?? "?"} → {to ?? "?"}";
            if (from is null || to is null)
            {
                problems.Add($"{at}: an edge needs 'from' and 'to'");
                continue;
            }
            if (!known.Contains(from)) problems.Add($"{at}: unknown node '{from}'");
            if (!known.Contains(to)) problems.Add($"{at}: unknown node '{to}'");
            if (from == to) problems.Add($"{at}: a node cannot follow itself (self-loop)");
            if (!EventLoader.ActionKinds.Contains(when)) problems.Add($"{at}: 'when' must be one of {string.Join(", ", EventLoader.ActionKinds)}, not '{when}'");
            if (edges.FirstOrDefault(e => e.From == from && e.To == to) is { } twin) problems.Add($"{at}: a second edge between the same nodes (first at line {twin.Line})");
            if (problems.Count == before) edges.Add(new WorkflowEdge(from, to, when, map.Start.Line));
        }
        return edges;
    }

    /// <summary>Strongly connected components of more than one node are cycles (self-loops are refused above).</summary>
    private static IEnumerable<string> Cycles(List<WorkflowEdge> edges)
    {
        var graph = new AdjacencyGraph<string, Edge<string>>(allowParallelEdges: false);
        foreach (var e in edges) graph.AddVerticesAndEdge(new Edge<string>(e.From, e.To));
        if (graph.IsDirectedAcyclicGraph()) yield break;

        var components = new Dictionary<string, int>();
        graph.StronglyConnectedComponents(components);
        foreach (var component in components.GroupBy(c => c.Value).Where(g => g.Count() > 1))
        {
            var members = component.Select(c => c.Key).ToHashSet(StringComparer.Ordinal);
            var inside = edges.Where(e => members.Contains(e.From) && members.Contains(e.To)).ToList();
            yield return $"line {inside.Min(e => e.Line)}: the edges {string.Join(", ", inside.Select(e => $"{e.From} → {e.To} (line {e.Line})"))} form a cycle; a workflow is a graph without cycles";
        }
    }
}
