namespace Cronium.Execution.Events;

/// <summary>
/// A tool action as an event file or a workflow names it: which tool, which stored credential, which action
/// (default <c>send</c>), and params whose text values are Liquid templates, rendered just before it is sent.
/// </summary>
public sealed record ToolCall(string Tool, string Credential, string Action, JsonObject Params, long Line)
{
    /// <summary>The tools the runtime has senders for.</summary>
    public static IReadOnlyList<string> Tools => Cronium.Runtime.ToolActions.ToolNames.All;
}
