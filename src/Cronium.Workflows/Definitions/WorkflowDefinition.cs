namespace Cronium.Workflows.Definitions;

public enum JoinMode { Any, All }

/// <summary>How often a node is tried (attempts in all, at least 1) and how long it waits before each retry.</summary>
public sealed record RetryPolicy(int Attempts, TimeSpan Backoff)
{
    public static readonly RetryPolicy None = new(1, TimeSpan.Zero);
}

/// <summary>A node: an event (loaded from its file, or inline) or a tool action, with how it joins, retries and times out.</summary>
public sealed record WorkflowNode(string Id, EventDefinition? Event, ToolCall? Tool, JoinMode Join, RetryPolicy Retries, TimeSpan? Timeout, long Line)
{
    public string Kind => Tool is null ? "event" : "tool";
}

/// <summary>An edge: <see cref="To"/> may run after <see cref="From"/> when it ended as <see cref="When"/> says.</summary>
public sealed record WorkflowEdge(string From, string To, string When, long Line);

/// <summary>A workflow as its file describes it, already checked: every node exists, every edge is known, there is no cycle.</summary>
public sealed record WorkflowDefinition(
    string Name, string Source, JsonNode? Input, int Concurrency, TimeSpan? Timeout,
    IReadOnlyList<WorkflowNode> Nodes, IReadOnlyList<WorkflowEdge> Edges, IReadOnlyList<string> Warnings)
{
    public WorkflowNode Node(string id) => Nodes.First(n => n.Id == id);

    public IEnumerable<WorkflowEdge> Into(string id) => Edges.Where(e => e.To == id);

    public IEnumerable<WorkflowEdge> OutOf(string id) => Edges.Where(e => e.From == id);
}
