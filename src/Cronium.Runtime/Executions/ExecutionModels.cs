using Cronium.Runtime.Json;
using Cronium.Runtime.Storage;
using FluentValidation;

namespace Cronium.Runtime.Executions;

internal sealed record EventRef(string Id, string Name, string Type);

internal sealed record WorkflowRef(string Id, string RunId, string NodeId);

/// <summary>What started this execution when a conditional action did: the execution it followed, and the action's kind.</summary>
internal sealed record TriggerRef(string ExecutionId, string Kind);

internal static class ActionKinds
{
    public static readonly string[] All = ["ON_SUCCESS", "ON_FAILURE", "ALWAYS", "ON_CONDITION"];
}

internal sealed record CreateExecutionRequest(
    EventRef Event,
    string UserId,
    string? JobId = null,
    JsonElement Input = default,
    Dictionary<string, string>? Metadata = null,
    WorkflowRef? Workflow = null,
    int? Attempt = null,
    int? TimeoutSeconds = null,
    string? RunId = null,
    TriggerRef? Trigger = null,
    DateTimeOffset? ScheduledAt = null)
{
    public static async ValueTask<CreateExecutionRequest?> BindAsync(HttpContext http) => await JsonBody.BindAsync(http, ExecutionsJson.Strict.CreateExecutionRequest);
}

internal sealed record CompleteExecutionRequest(string Status, int? ExitCode = null, string? Error = null)
{
    public static async ValueTask<CompleteExecutionRequest?> BindAsync(HttpContext http) => await JsonBody.BindAsync(http, ExecutionsJson.Strict.CompleteExecutionRequest);
}

internal sealed record SetDataRequest(JsonElement Data)
{
    public static async ValueTask<SetDataRequest?> BindAsync(HttpContext http) => await JsonBody.BindAsync(http, ExecutionsJson.Strict.SetDataRequest);
}

internal sealed record SetConditionRequest(bool Condition)
{
    public static async ValueTask<SetConditionRequest?> BindAsync(HttpContext http) => await JsonBody.BindAsync(http, ExecutionsJson.Strict.SetConditionRequest);
}

internal sealed record CreatedExecution(string ExecutionId, string? Token, DateTimeOffset ExpiresAt, DateTimeOffset Deadline);

internal sealed record DataEnvelope(RawJson Data);

internal sealed record ExecutionResponse(
    string ExecutionId,
    string Status,
    string UserId,
    string JobId,
    EventRef Event,
    WorkflowRef? Workflow,
    string? RunId,
    TriggerRef? Trigger,
    int Attempt,
    RawJson Input,
    RawJson Output,
    bool? Condition,
    RawJson Metadata,
    DateTimeOffset StartedAt,
    DateTimeOffset Deadline,
    DateTimeOffset? CompletedAt,
    int? ExitCode,
    string? Error,
    DateTimeOffset? ScheduledAt)
{
    public static ExecutionResponse From(ExecutionRow r) => new(
        r.Id, r.Status, r.UserId, r.JobId, new EventRef(r.EventId, r.EventName, r.EventType), WorkflowOf(r), r.RunId, TriggerOf(r), r.Attempt,
        RawJson.OrNull(r.Input), RawJson.OrNull(r.Output), r.Condition, new RawJson(r.Metadata),
        Time.FromMs(r.StartedAt), Time.FromMs(r.Deadline), Time.FromMs(r.CompletedAt), r.ExitCode, r.Error, Time.FromMs(r.ScheduledAt));

    public static WorkflowRef? WorkflowOf(ExecutionRow r) =>
        r.Workflow is null ? null : JsonSerializer.Deserialize(r.Workflow, ExecutionsJson.Strict.WorkflowRef);

    public static TriggerRef? TriggerOf(ExecutionRow r) =>
        r.Trigger is null ? null : JsonSerializer.Deserialize(r.Trigger, ExecutionsJson.Strict.TriggerRef);
}

/// <summary>
/// What getEvent answers: the execution and the event it runs (Cronium's execution context). <c>Id</c>, <c>Name</c>, <c>Type</c> and <c>EventId</c>, <c>EventName</c>,
/// <c>EventType</c> repeat <c>Event</c> at the top level; <c>ScheduledAt</c> is the fire time a schedule meant (null when started otherwise): scripts written for Cronium read its flat context
/// (<c>cronium.event()["name"]</c>, <c>cronium_event_field id</c>) and keep working unchanged.
/// </summary>
internal sealed record ExecutionEvent(
    string ExecutionId,
    string JobId,
    string UserId,
    EventRef Event,
    WorkflowRef? Workflow,
    string? RunId,
    TriggerRef? Trigger,
    int Attempt,
    DateTimeOffset StartedAt,
    DateTimeOffset Deadline,
    RawJson Metadata,
    string Id,
    string Name,
    string Type,
    string EventId,
    string EventName,
    string EventType,
    DateTimeOffset? ScheduledAt)
{
    public static ExecutionEvent From(ExecutionRow r) => new(
        r.Id, r.JobId, r.UserId, new EventRef(r.EventId, r.EventName, r.EventType), ExecutionResponse.WorkflowOf(r), r.RunId, ExecutionResponse.TriggerOf(r), r.Attempt,
        Time.FromMs(r.StartedAt), Time.FromMs(r.Deadline), new RawJson(r.Metadata),
        r.EventId, r.EventName, r.EventType, r.EventId, r.EventName, r.EventType, Time.FromMs(r.ScheduledAt));
}

/// <summary>What getCondition answers: the last condition set, or null when the script has set none.</summary>
internal sealed record ConditionState(bool? Condition);

internal static class EventTypes
{
    public static readonly string[] All = ["BASH", "PYTHON", "NODEJS", "TOOL_ACTION"];
}

internal static class FinalStatuses
{
    public static readonly string[] All = ["succeeded", "failed", "timed_out", "cancelled"];
}

internal sealed class CreateExecutionValidator : AbstractValidator<CreateExecutionRequest>
{
    public CreateExecutionValidator()
    {
        RuleFor(x => x.Event.Id).NotEmpty().MaximumLength(128).OverridePropertyName("event.id");
        RuleFor(x => x.Event.Name).NotEmpty().MaximumLength(256).OverridePropertyName("event.name");
        RuleFor(x => x.Event.Type).Must(t => EventTypes.All.Contains(t)).OverridePropertyName("event.type")
            .WithMessage($"'event.type' must be one of {string.Join(", ", EventTypes.All)}.");
        RuleFor(x => x.UserId).Matches(Validation.ValidationSetup.UserIdPattern()).WithMessage($"'userId' {Validation.ValidationSetup.UserIdRule}.");
        RuleFor(x => x.JobId).MaximumLength(128);
        RuleFor(x => x.Attempt).InclusiveBetween(1, 1000);
        RuleFor(x => x.TimeoutSeconds).InclusiveBetween(1, 86400);
        RuleFor(x => x.Metadata).Must(m => m is null || m.Count <= 64).WithMessage("'metadata' holds at most 64 entries.");
        RuleForEach(x => x.Metadata).Must(kv => kv.Key.Length is > 0 and <= 128 && kv.Value.Length <= 1024)
            .WithMessage("'metadata' keys are 1 to 128 characters and values at most 1024.");
        When(x => x.Workflow is not null, () =>
        {
            RuleFor(x => x.Workflow!.Id).NotEmpty().MaximumLength(128).OverridePropertyName("workflow.id");
            RuleFor(x => x.Workflow!.RunId).NotEmpty().MaximumLength(128).OverridePropertyName("workflow.runId");
            RuleFor(x => x.Workflow!.NodeId).NotEmpty().MaximumLength(128).OverridePropertyName("workflow.nodeId");
            RuleFor(x => x.RunId).Must((x, runId) => runId is null || runId == x.Workflow!.RunId)
                .WithMessage("'runId' must equal 'workflow.runId' when both are given.");
        });
        RuleFor(x => x.RunId).MaximumLength(128);
        When(x => x.Trigger is not null, () =>
        {
            RuleFor(x => x.Trigger!.ExecutionId).Must(id => Guid.TryParse(id, out _)).OverridePropertyName("trigger.executionId")
                .WithMessage("'trigger.executionId' must be an execution id.");
            RuleFor(x => x.Trigger!.Kind).Must(k => ActionKinds.All.Contains(k)).OverridePropertyName("trigger.kind")
                .WithMessage($"'trigger.kind' must be one of {string.Join(", ", ActionKinds.All)}.");
        });
    }
}

internal sealed class CompleteExecutionValidator : AbstractValidator<CompleteExecutionRequest>
{
    public CompleteExecutionValidator()
    {
        RuleFor(x => x.Status).Must(s => FinalStatuses.All.Contains(s))
            .WithMessage($"'status' must be one of {string.Join(", ", FinalStatuses.All)}.");
        RuleFor(x => x.Error).MaximumLength(4096);
    }
}
