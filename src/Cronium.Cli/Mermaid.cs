using System.Text;
using Cronium.Workflows.Definitions;

namespace Cronium.Cli;

/// <summary>A workflow as a Mermaid flowchart: nodes (with a run's statuses when given) and edges labelled by their kind.</summary>
internal static class Mermaid
{
    public static string Render(WorkflowDefinition workflow, IReadOnlyDictionary<string, string>? statuses)
    {
        // Mermaid ids are kept to letters and digits; the label carries the real id.
        var ids = workflow.Nodes.Select((n, i) => (n.Id, Key: $"n{i}")).ToDictionary(x => x.Id, x => x.Key);
        var text = new StringBuilder("flowchart TD\n");
        foreach (var node in workflow.Nodes)
        {
            var what = node.Tool is { } tool ? $"{tool.Tool} {tool.Action}" : node.Event!.Language.ToString().ToLowerInvariant();
            var status = statuses is not null && statuses.TryGetValue(node.Id, out var s) ? $"<br/>{Terminal.Mark(s)} {s}" : "";
            var shape = node.Tool is null ? ("[\"", "\"]") : ("{{\"", "\"}}");
            text.Append($"    {ids[node.Id]}{shape.Item1}{Escape(node.Id)}<br/><small>{Escape(what)}</small>{status}{shape.Item2}\n");
        }
        foreach (var edge in workflow.Edges)
            text.Append($"    {ids[edge.From]} -->|{edge.When}| {ids[edge.To]}\n");
        if (statuses is not null)
        {
            text.Append("    classDef succeeded fill:#d3f9d8,stroke:#2b8a3e\n");
            text.Append("    classDef failed fill:#ffe3e3,stroke:#c92a2a\n");
            text.Append("    classDef skipped fill:#f1f3f5,stroke:#adb5bd,color:#868e96\n");
            text.Append("    classDef running fill:#d0ebff,stroke:#1971c2\n");
            foreach (var group in workflow.Nodes.Where(n => statuses.ContainsKey(n.Id)).GroupBy(n => Class(statuses[n.Id])))
                text.Append($"    class {string.Join(",", group.Select(n => ids[n.Id]))} {group.Key}\n");
        }
        return text.ToString();
    }

    private static string Class(string status) => status switch
    {
        "succeeded" => "succeeded",
        "skipped" or "pending" => "skipped",
        "running" => "running",
        _ => "failed",
    };

    private static string Escape(string text) => text.Replace("\"", "#quot;").Replace("<", "#lt;").Replace(">", "#gt;");
}
