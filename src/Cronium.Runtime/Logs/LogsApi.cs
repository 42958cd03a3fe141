using Cronium.Runtime.Auth;
using Cronium.Runtime.Hosting;
using Cronium.Runtime.Problems;
using Cronium.Runtime.Storage;
using Cronium.Runtime.Streaming;
using Cronium.Runtime.Validation;

namespace Cronium.Runtime.Logs;

/// <summary>
/// Every execution's output (stdout and stderr interleaved in the order they came, with times), written by the
/// orchestrator that runs it and read by anyone looking afterwards. Capped per execution: loudly, in the log itself.
/// </summary>
internal static class LogsApi
{
    public static RouteGroupBuilder MapLogs(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/v1/executions/{executionId}/logs").WithTags("Executions").RequireOrchestratorKey().WithValidation();
        group.MapPost("/", Append).WithName("appendLogs");
        group.MapGet("/", Get).WithName("getLogs");
        return group;
    }

    private static async Task<Results<Ok<AppendLogsResponse>, ProblemHttpResult>> Append(
        string executionId, AppendLogsRequest request, LogStore logs, IOptions<LimitsOptions> limits, CancellationToken cancellationToken)
    {
        var entries = request.Entries.Select(e => new LogAppend(e.Seq, Time.ToMs(e.At), e.Stream, e.Text)).ToList();
        var (outcome, state) = await logs.AppendAsync(executionId, entries, limits.Value.MaxLogBytes, cancellationToken);
        return outcome switch
        {
            AppendOutcome.NotFound => ApiProblem.ExecutionNotFound(executionId),
            AppendOutcome.Finished => ApiProblem.ExecutionFinished(executionId, state!.Status),
            _ => TypedResults.Ok(new AppendLogsResponse(state!.LogSeq, state.LogBytes, state.LogTruncated)),
        };
    }

    private static async Task<Results<Ok<LogPageResponse>, EventStreamResult, ProblemHttpResult>> Get(
        string executionId, [AsParameters] GetLogsQuery query, HttpRequest request, LogStore logs, CancellationToken cancellationToken)
    {
        // The state first: a page read after it holds at least every line written before an end it reports.
        if (await logs.StateAsync(executionId, cancellationToken) is not { } state) return ApiProblem.ExecutionNotFound(executionId);
        if (ServerSentEvents.IsRequested(request))
        {
            var start = LogStream.StartAfter(request, query.After);
            return ServerSentEvents.Stream((events, aborted) => LogStream.FollowAsync(events, logs, executionId, start, aborted));
        }
        var after = query.After ?? 0;
        var limit = query.Limit ?? 1000;
        var rows = await logs.PageAsync(executionId, after, limit, cancellationToken);
        var items = rows.Select(r => new LogEntryResponse(r.Seq, Time.FromMs(r.At), r.Stream, r.Text)).ToList();
        var next = items.Count > 0 ? items[^1].Seq : after;
        var complete = state.Status != ExecutionStore.Running && rows.Count < limit;
        return TypedResults.Ok(new LogPageResponse(executionId, state.Status, items, next, complete, state.LogTruncated));
    }
}
