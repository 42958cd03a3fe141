namespace Cronium.Execution.Events;

/// <summary>What a step runs: an event file (loaded when the chain is), an event written inline, or a tool action.</summary>
public sealed record StepTarget
{
    /// <summary>A script or event file, as a full path (it existed when the definition was read).</summary>
    public string? EventPath { get; init; }

    public EventDefinition? InlineEvent { get; init; }

    public ToolCall? Tool { get; init; }

    /// <summary>Where it was written, for messages.</summary>
    public long Line { get; init; }
}

/// <summary>A follow-up of an event: what runs, and on which outcome (ON_SUCCESS, ON_FAILURE, ALWAYS, ON_CONDITION).</summary>
public sealed record EventAction(string Kind, StepTarget Target, long Line);
