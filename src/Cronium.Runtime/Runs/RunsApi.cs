using Cronium.Runtime.Auth;
using Cronium.Runtime.Hosting;
using Cronium.Runtime.Idempotency;
using Cronium.Runtime.Json;
using Cronium.Runtime.Problems;
using Cronium.Runtime.Storage;
using Cronium.Runtime.Streaming;
using Cronium.Runtime.Validation;

namespace Cronium.Runtime.Runs;

/// <summary>
/// Orchestrator records of what users started: an event with its conditional actions, or a workflow and its nodes.
/// The CLI, a scheduler and any UI write and read the same records here.
/// </summary>
internal static class RunsApi
{
    public static RouteGroupBuilder MapRuns(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/v1/runs").WithTags("Runs").RequireOrchestratorKey().WithValidation();
        group.MapPost("/", Create).WithName("createRun").WithIdempotency();
        group.MapGet("/", List).WithName("listRuns");
        group.MapGet("/{runId}", Get).WithName("getRun");
        group.MapPut("/{runId}/nodes/{nodeId}", UpdateNode).WithName("updateRunNode");
        group.MapPost("/{runId}/complete", Complete).WithName("completeRun");
        return group;
    }

    private static async Task<Results<Created<RunResponse>, ProblemHttpResult>> Create(
        CreateRunRequest request, RunStore runs, TimeProvider time, IOptions<LimitsOptions> limits, CancellationToken cancellationToken)
    {
        JsonElement? input = request.Input.ValueKind is JsonValueKind.Undefined or JsonValueKind.Null ? null : request.Input;
        if (input is { } i && JsonBody.SizeOf(i) > limits.Value.MaxDataBytes)
            throw ApiProblem.TooLarge("'input'", limits.Value.MaxDataBytes, JsonBody.SizeOf(i));

        var row = new RunRow
        {
            Id = Guid.CreateVersion7().ToString(),
            Kind = request.Kind,
            Name = request.Name,
            UserId = request.UserId,
            Status = request.Status ?? RunStore.Running,
            Input = input?.GetRawText(),
            Metadata = JsonSerializer.Serialize(request.Metadata ?? [], RunsJson.Strict.DictionaryStringString),
            StartedAt = Time.ToMs(time.GetUtcNow()),
            Exclusive = request.Exclusive ?? false,
        };
        var nodes = (request.Nodes ?? []).Select((n, position) => new RunNodeRow
        {
            RunId = row.Id, NodeId = n.Id, Position = position, Kind = n.Kind, Status = NodeStatuses.Pending,
        }).ToList();
        if (!await runs.InsertAsync(row, nodes, cancellationToken))
            return ApiProblem.Create(StatusCodes.Status409Conflict, ProblemCodes.RunActive,
                $"An exclusive run of {row.Kind} '{row.Name}' is still queued or running; this one was not made.");
        return TypedResults.Created($"/v1/runs/{row.Id}", RunResponse.From(row, nodes, []));
    }

    private static async Task<Results<Ok<RunResponse>, EventStreamResult, ProblemHttpResult>> Get(
        string runId, HttpRequest request, RunStore runs, ExecutionStore executions, CancellationToken cancellationToken)
    {
        if (await runs.GetAsync(runId, cancellationToken) is not { } row) return RunNotFound(runId);
        if (ServerSentEvents.IsRequested(request))
            return ServerSentEvents.Stream((events, aborted) => RunStream.FollowAsync(events, runs, executions, runId, aborted));
        return TypedResults.Ok(RunResponse.From(row, await runs.NodesAsync(runId, cancellationToken), await executions.ListByRunAsync(runId, cancellationToken)));
    }

    private static async Task<Ok<RunListResponse>> List([AsParameters] ListRunsQuery query, RunStore runs, CancellationToken cancellationToken)
    {
        var limit = query.Limit ?? 50;
        var rows = await runs.ListAsync(new RunFilter(query.Status, query.Kind, query.Name, RunCursor.Decode(query.Cursor), limit + 1), cancellationToken);
        var page = rows.Take(limit).ToList();
        return TypedResults.Ok(new RunListResponse(page.Select(RunSummaryResponse.From).ToList(), rows.Count > limit ? RunCursor.Encode(page[^1]) : null));
    }

    private static async Task<Results<Ok<RunNodeResponse>, ProblemHttpResult>> UpdateNode(
        string runId, string nodeId, UpdateRunNodeRequest request, RunStore runs, TimeProvider time, CancellationToken cancellationToken)
    {
        var (run, node) = await runs.UpdateNodeAsync(runId, nodeId, new NodeUpdate(request.Status, request.Attempts, request.ExecutionId, request.Error),
            Time.ToMs(time.GetUtcNow()), cancellationToken);
        if (run is null) return RunNotFound(runId);
        if (run.Status != RunStore.Running) return RunFinished(runId, run.Status);
        if (node is null)
            return ApiProblem.Create(StatusCodes.Status404NotFound, ProblemCodes.RunNotFound, $"Run '{runId}' has no node '{nodeId}'.");
        // The node's data (input, output, condition, exit code) is its execution's: read back as getRun shows it.
        var nodes = await runs.NodesAsync(runId, cancellationToken);
        return TypedResults.Ok(RunNodeResponse.From(nodes.Single(n => n.NodeId == nodeId)));
    }

    private static async Task<Results<Ok<RunResponse>, ProblemHttpResult>> Complete(
        string runId, CompleteRunRequest request, RunStore runs, ExecutionStore executions, TimeProvider time, CancellationToken cancellationToken)
    {
        var (outcome, row) = await runs.CompleteAsync(runId, request.Status, request.Error, Time.ToMs(time.GetUtcNow()), cancellationToken);
        if (outcome == CompleteOutcome.NotFound || row is null) return RunNotFound(runId);
        if (outcome == CompleteOutcome.AlreadyOther) return RunFinished(runId, row.Status);
        return TypedResults.Ok(RunResponse.From(row, await runs.NodesAsync(runId, cancellationToken), await executions.ListByRunAsync(runId, cancellationToken)));
    }

    private static ProblemHttpResult RunNotFound(string runId) => RunProblems.NotFound(runId);

    private static ProblemHttpResult RunFinished(string runId, string status) => RunProblems.Finished(runId, status);
}

internal static class RunProblems
{
    public static ProblemHttpResult NotFound(string runId) =>
        ApiProblem.Create(StatusCodes.Status404NotFound, ProblemCodes.RunNotFound, $"Run '{runId}' does not exist.");

    public static ProblemHttpResult Finished(string runId, string status) =>
        ApiProblem.Create(StatusCodes.Status409Conflict, ProblemCodes.RunFinished, $"Run '{runId}' already ended as {status}.");
}
