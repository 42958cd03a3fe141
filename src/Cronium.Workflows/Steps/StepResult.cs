namespace Cronium.Workflows.Steps;

/// <summary>
/// How one step (an event, or a tool action) ended. A step whose params could not be rendered never ran: it has no
/// execution, only its error.
/// </summary>
public sealed record StepResult(string Status, string? ExecutionId, int? ExitCode, TimeSpan Duration, JsonNode? Input, JsonNode? Output, bool? Condition, string? Error)
{
    public int Attempts { get; init; } = 1;

    public bool Succeeded => Status == StepStatus.Succeeded;

    /// <summary>Failed, or ran past its timeout: what ON_FAILURE answers.</summary>
    public bool Failed => Status is StepStatus.Failed or StepStatus.TimedOut;

    public static StepResult From(RunResult r) =>
        new(r.Status, r.ExecutionId, r.ExitCode, r.Duration, r.Input?.DeepClone(), r.Output?.DeepClone(), r.Condition, r.Error);

    public static StepResult NotRun(string status, string? error) => new(status, null, null, TimeSpan.Zero, null, null, null, error) { Attempts = 0 };

    /// <summary>What a tool action's templates see of this step (and, in a workflow, of each node).</summary>
    public JsonObject ToModel() => new()
    {
        ["status"] = Status,
        ["output"] = Output?.DeepClone(),
        ["input"] = Input?.DeepClone(),
        ["exitCode"] = ExitCode,
        ["condition"] = Condition ?? false,
        ["error"] = Error,
        ["attempts"] = Attempts,
        ["executionId"] = ExecutionId,
    };
}

public static class StepStatus
{
    public const string Succeeded = "succeeded";
    public const string Failed = "failed";
    public const string TimedOut = "timed_out";
    public const string Cancelled = "cancelled";
    public const string Skipped = "skipped";
}
