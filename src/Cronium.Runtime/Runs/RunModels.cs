using System.Text;
using Cronium.Runtime.Executions;
using Cronium.Runtime.Json;
using Cronium.Runtime.Storage;
using Cronium.Runtime.Validation;
using FluentValidation;
using Microsoft.AspNetCore.Mvc;

namespace Cronium.Runtime.Runs;

internal static class RunKinds
{
    public static readonly string[] All = ["event", "workflow"];
}

internal static class RunStatuses
{
    /// <summary><c>interrupted</c>: the instance running it died (cronium serve), so nobody can say how it ended.</summary>
    public static readonly string[] Final = ["succeeded", "failed", "timed_out", "cancelled", "interrupted"];

    /// <summary><c>queued</c>: started over the runs API, waiting for a worker (cronium serve).</summary>
    public static readonly string[] All = ["queued", "running", .. Final];
}

internal sealed record NewRunNode(string Id, string Kind);

internal sealed record CreateRunRequest(
    string Kind,
    string Name,
    string UserId,
    JsonElement Input = default,
    List<NewRunNode>? Nodes = null,
    Dictionary<string, string>? Metadata = null,
    string? Status = null,
    bool? Exclusive = null)
{
    public static async ValueTask<CreateRunRequest?> BindAsync(HttpContext http) => await JsonBody.BindAsync(http, RunsJson.Strict.CreateRunRequest);
}

/// <summary>A queued run's worker takes it: the run becomes running, with a workflow's nodes.</summary>
internal sealed record StartRunRequest(List<NewRunNode>? Nodes = null)
{
    public static async ValueTask<StartRunRequest?> BindAsync(HttpContext http) => await JsonBody.BindAsync(http, RunsJson.Strict.StartRunRequest);
}

internal sealed record UpdateRunNodeRequest(string Status, int? Attempts = null, string? ExecutionId = null, string? Error = null)
{
    public static async ValueTask<UpdateRunNodeRequest?> BindAsync(HttpContext http) => await JsonBody.BindAsync(http, RunsJson.Strict.UpdateRunNodeRequest);
}

internal sealed record CompleteRunRequest(string Status, string? Error = null)
{
    public static async ValueTask<CompleteRunRequest?> BindAsync(HttpContext http) => await JsonBody.BindAsync(http, RunsJson.Strict.CompleteRunRequest);
}

internal sealed record RunNodeResponse(
    string NodeId, string Kind, string Status, int Attempts, string? ExecutionId, DateTimeOffset? StartedAt, DateTimeOffset? CompletedAt,
    RawJson Input, RawJson Output, bool? Condition, int? ExitCode, string? Error)
{
    public static RunNodeResponse From(RunNodeRow n) => new(
        n.NodeId, n.Kind, n.Status, n.Attempts, n.ExecutionId, Time.FromMs(n.StartedAt), Time.FromMs(n.CompletedAt),
        RawJson.OrNull(n.Input), RawJson.OrNull(n.Output), n.Condition, n.ExitCode, n.Error);
}

/// <summary>One execution of a run, without its data (getExecution has that).</summary>
internal sealed record RunExecutionResponse(
    string ExecutionId, EventRef Event, string? NodeId, int Attempt, TriggerRef? Trigger, string Status,
    DateTimeOffset StartedAt, DateTimeOffset? CompletedAt, int? ExitCode, string? Error)
{
    public static RunExecutionResponse From(ExecutionRow r) => new(
        r.Id, new EventRef(r.EventId, r.EventName, r.EventType), ExecutionResponse.WorkflowOf(r)?.NodeId, r.Attempt,
        ExecutionResponse.TriggerOf(r), r.Status, Time.FromMs(r.StartedAt), Time.FromMs(r.CompletedAt), r.ExitCode, r.Error);
}

internal sealed record RunResponse(
    string RunId, string Kind, string Name, string UserId, string Status, RawJson Input, string? Error, RawJson Metadata,
    DateTimeOffset StartedAt, DateTimeOffset? CompletedAt, IReadOnlyList<RunNodeResponse> Nodes, IReadOnlyList<RunExecutionResponse> Executions,
    bool CancelRequested)
{
    public static RunResponse From(RunRow r, IEnumerable<RunNodeRow> nodes, IEnumerable<ExecutionRow> executions) => new(
        r.Id, r.Kind, r.Name, r.UserId, r.Status, RawJson.OrNull(r.Input), r.Error, new RawJson(r.Metadata),
        Time.FromMs(r.StartedAt), Time.FromMs(r.CompletedAt), nodes.Select(RunNodeResponse.From).ToList(), executions.Select(RunExecutionResponse.From).ToList(),
        r.CancelRequestedAt is not null);
}

internal sealed record RunSummaryResponse(
    string RunId, string Kind, string Name, string UserId, string Status, string? Error, DateTimeOffset StartedAt, DateTimeOffset? CompletedAt)
{
    public static RunSummaryResponse From(RunRow r) => new(r.Id, r.Kind, r.Name, r.UserId, r.Status, r.Error, Time.FromMs(r.StartedAt), Time.FromMs(r.CompletedAt));
}

internal sealed record RunListResponse(IReadOnlyList<RunSummaryResponse> Items, string? NextCursor);

/// <summary>A class rather than a positional record: the request delegate generator cannot describe nullable constructor parameters.</summary>
internal sealed class ListRunsQuery
{
    [FromQuery(Name = "status")]
    public string? Status { get; set; }

    [FromQuery(Name = "kind")]
    public string? Kind { get; set; }

    [FromQuery(Name = "name")]
    public string? Name { get; set; }

    [FromQuery(Name = "cursor")]
    public string? Cursor { get; set; }

    [FromQuery(Name = "limit")]
    public int? Limit { get; set; }
}

/// <summary>The position after which the next page starts: opaque to clients, the last row's start time and id.</summary>
internal static class RunCursor
{
    public static string Encode(RunRow last) =>
        Convert.ToBase64String(Encoding.UTF8.GetBytes($"{last.StartedAt}:{last.Id}")).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    public static (long StartedAt, string Id)? Decode(string? cursor)
    {
        if (string.IsNullOrEmpty(cursor)) return null;
        try
        {
            var padded = cursor.Replace('-', '+').Replace('_', '/');
            padded += new string('=', (4 - padded.Length % 4) % 4);
            var text = Encoding.UTF8.GetString(Convert.FromBase64String(padded));
            var colon = text.IndexOf(':');
            return colon > 0 && long.TryParse(text[..colon], out var at) ? (at, text[(colon + 1)..]) : null;
        }
        catch (FormatException)
        {
            return null;
        }
    }
}

internal sealed class CreateRunValidator : AbstractValidator<CreateRunRequest>
{
    public CreateRunValidator()
    {
        RuleFor(x => x.Kind).Must(k => RunKinds.All.Contains(k)).WithMessage($"'kind' must be one of {string.Join(", ", RunKinds.All)}.");
        RuleFor(x => x.Name).NotEmpty().MaximumLength(256);
        RuleFor(x => x.UserId).Matches(ValidationSetup.UserIdPattern()).WithMessage($"'userId' {ValidationSetup.UserIdRule}.");
        RuleFor(x => x.Nodes).SetValidator(new NodesValidator());
        RuleFor(x => x.Metadata).Must(m => m is null || m.Count <= 64).WithMessage("'metadata' holds at most 64 entries.");
        RuleFor(x => x.Status).Must(s => s is null or RunStore.Queued or RunStore.Running).WithMessage("'status' must be queued or running.");
        RuleForEach(x => x.Metadata).Must(kv => kv.Key.Length is > 0 and <= 128 && kv.Value.Length <= 1024)
            .WithMessage("'metadata' keys are 1 to 128 characters and values at most 1024.");
    }
}

internal sealed class UpdateRunNodeValidator : AbstractValidator<UpdateRunNodeRequest>
{
    public UpdateRunNodeValidator()
    {
        RuleFor(x => x.Status).Must(s => NodeStatuses.All.Contains(s)).WithMessage($"'status' must be one of {string.Join(", ", NodeStatuses.All)}.");
        RuleFor(x => x.Attempts).InclusiveBetween(0, 1000);
        RuleFor(x => x.ExecutionId).Must(id => id is null || Guid.TryParse(id, out _)).WithMessage("'executionId' must be an execution id.");
        RuleFor(x => x.Error).MaximumLength(4096);
    }
}

internal sealed class CompleteRunValidator : AbstractValidator<CompleteRunRequest>
{
    public CompleteRunValidator()
    {
        RuleFor(x => x.Status).Must(s => RunStatuses.Final.Contains(s)).WithMessage($"'status' must be one of {string.Join(", ", RunStatuses.Final)}.");
        RuleFor(x => x.Error).MaximumLength(4096);
    }
}

internal sealed class ListRunsQueryValidator : AbstractValidator<ListRunsQuery>
{
    public ListRunsQueryValidator()
    {
        RuleFor(x => x.Status).Must(s => s is null || RunStatuses.All.Contains(s)).WithMessage($"'status' must be one of {string.Join(", ", RunStatuses.All)}.");
        RuleFor(x => x.Kind).Must(k => k is null || RunKinds.All.Contains(k)).WithMessage($"'kind' must be one of {string.Join(", ", RunKinds.All)}.");
        RuleFor(x => x.Name).MaximumLength(256);
        RuleFor(x => x.Cursor).Must(c => c is null || RunCursor.Decode(c) is not null).WithMessage("'cursor' must be a previous page's nextCursor.");
        RuleFor(x => x.Limit).InclusiveBetween(1, 500);
    }
}

/// <summary>A workflow's nodes, as createRun and startRun take them.</summary>
internal sealed class NodesValidator : AbstractValidator<List<NewRunNode>?>
{
    public NodesValidator()
    {
        RuleFor(x => x).Must(n => n is null || n.Count <= 1000).WithMessage("'nodes' holds at most 1000 nodes.");
        RuleFor(x => x).Must(n => n is null || n.Select(x => x.Id).Distinct(StringComparer.Ordinal).Count() == n.Count)
            .WithMessage("'nodes' ids must be unique.");
        RuleForEach(x => x).ChildRules(n =>
        {
            n.RuleFor(x => x.Id).Matches(ValidationSetup.KeyPattern()).WithMessage($"a node id {ValidationSetup.KeyRule}.");
            n.RuleFor(x => x.Kind).Must(k => k is "event" or "tool").WithMessage("a node's 'kind' must be event or tool.");
        });
    }
}

internal sealed class StartRunValidator : AbstractValidator<StartRunRequest>
{
    public StartRunValidator() => RuleFor(x => x.Nodes).SetValidator(new NodesValidator());
}
