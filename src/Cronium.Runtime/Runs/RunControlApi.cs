using Cronium.Runtime.Auth;
using Cronium.Runtime.Problems;
using Cronium.Runtime.Storage;
using Cronium.Runtime.Validation;

namespace Cronium.Runtime.Runs;

/// <summary>
/// A run's life outside the process that records it: created <c>queued</c> (createRun with <c>status: queued</c>),
/// taken by a worker (startRun), and cancelled by anyone holding an orchestrator key (cancelRun) — at once while
/// queued, by its worker, wherever that runs, while running.
/// </summary>
internal static class RunControlApi
{
    public static RouteGroupBuilder MapRunControl(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/v1/runs/{runId}").WithTags("Runs").RequireOrchestratorKey().WithValidation();
        group.MapPost("/start", Start).WithName("startRun");
        group.MapPost("/cancel", Cancel).WithName("cancelRun");
        return group;
    }

    private static async Task<Results<Ok<RunResponse>, ProblemHttpResult>> Start(
        string runId, StartRunRequest request, RunStore runs, ExecutionStore executions, CancellationToken cancellationToken)
    {
        var nodes = (request.Nodes ?? []).Select((n, position) => new RunNodeRow
        {
            RunId = runId, NodeId = n.Id, Position = position, Kind = n.Kind, Status = NodeStatuses.Pending,
        }).ToList();
        var (started, row) = await runs.StartAsync(runId, nodes, cancellationToken);
        if (row is null) return RunProblems.NotFound(runId);
        if (!started)
            return ApiProblem.Create(StatusCodes.Status409Conflict, ProblemCodes.RunNotQueued, $"Run '{runId}' is {row.Status}, not queued.");
        return TypedResults.Ok(RunResponse.From(row, await runs.NodesAsync(runId, cancellationToken), await executions.ListByRunAsync(runId, cancellationToken)));
    }

    private static async Task<Results<Ok<RunResponse>, ProblemHttpResult>> Cancel(
        string runId, RunStore runs, ExecutionStore executions, TimeProvider time, CancellationToken cancellationToken)
    {
        if (await runs.CancelAsync(runId, Time.ToMs(time.GetUtcNow()), cancellationToken) is not { } row) return RunProblems.NotFound(runId);
        if (RunStatuses.Final.Contains(row.Status) && row.CancelRequestedAt is null) return RunProblems.Finished(runId, row.Status);
        return TypedResults.Ok(RunResponse.From(row, await runs.NodesAsync(runId, cancellationToken), await executions.ListByRunAsync(runId, cancellationToken)));
    }
}
