using System.Text.Json;
using Cronium.Runtime.Auth;
using Cronium.Runtime.Json;
using Cronium.Runtime.Problems;
using Cronium.Service.Definitions;
using Cronium.Service.Hosting;
using Cronium.Service.Workers;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Cronium.Service.Runs;

internal sealed record StartRunRequest(JsonElement Input = default, string? UserId = null)
{
    public static async ValueTask<StartRunRequest?> BindAsync(HttpContext http) =>
        http.Request.ContentLength is 0 || (http.Request.ContentLength is null && !http.Request.Headers.ContainsKey("Transfer-Encoding"))
            ? new StartRunRequest()
            : await JsonBody.BindAsync(http, StartRunsJson.Strict.StartRunRequest);
}

internal sealed record StartedRun(string RunId, string Status);

/// <summary>
/// Start a definition now: the run is recorded <c>queued</c> and handed to Quartz as a one-off trigger of the
/// definition's job, so it waits in the database (a restart loses none) until a worker on any instance takes it.
/// The same <c>Idempotency-Key</c> answers with the same run and starts nothing more.
/// </summary>
internal static class StartRunsApi
{
    public static void MapStartRuns(this IEndpointRouteBuilder app)
    {
        app.MapGroup("/v1/events").WithTags("Definitions").RequireOrchestratorKey()
            .MapPost("/{name}/runs", (string name, StartRunRequest request, HttpContext http, DefinitionCatalog catalog, ISchedulerFactory schedulers, WorkerEndpoint worker, CancellationToken ct) =>
                Start(DefinitionKinds.Event, name, request, http, catalog, schedulers, worker, ct)).WithName("startEventRun");
        app.MapGroup("/v1/workflows").WithTags("Definitions").RequireOrchestratorKey()
            .MapPost("/{name}/runs", (string name, StartRunRequest request, HttpContext http, DefinitionCatalog catalog, ISchedulerFactory schedulers, WorkerEndpoint worker, CancellationToken ct) =>
                Start(DefinitionKinds.Workflow, name, request, http, catalog, schedulers, worker, ct)).WithName("startWorkflowRun");
    }

    private static async Task<Results<Accepted<StartedRun>, ProblemHttpResult>> Start(
        string kind, string name, StartRunRequest request, HttpContext http, DefinitionCatalog catalog, ISchedulerFactory schedulers, WorkerEndpoint worker,
        CancellationToken cancellationToken)
    {
        if (await catalog.GetAsync(kind, name, cancellationToken) is null) return DefinitionsApi.NotFound(kind, name);
        var hasInput = request.Input.ValueKind is not JsonValueKind.Undefined;
        var userId = request.UserId ?? "local";
        var key = http.Request.Headers["Idempotency-Key"].ToString() is { Length: > 0 } given ? $"start:{kind}:{name}:{given}" : null;
        // Through the runtime's own createRun: its validation, limits and idempotency records apply as to anyone,
        // and its refusals (400, 409, 503 with Retry-After ...) are this call's.
        JsonObject run;
        try
        {
            run = await worker.Client.CreateRunAsync(new JsonObject
            {
                ["kind"] = kind, ["name"] = name, ["userId"] = userId, ["status"] = "queued",
                ["input"] = hasInput ? JsonNode.Parse(request.Input.GetRawText()) : null,
                ["metadata"] = new JsonObject { ["trigger"] = "api" },
            }, cancellationToken, key);
        }
        catch (RuntimeApiException e) when (e.Code is not null)
        {
            if (e.Status == StatusCodes.Status503ServiceUnavailable) http.Response.Headers.RetryAfter = "1";
            return ApiProblem.Create(e.Status, e.Code, e.Detail);
        }
        var runId = (string)run["runId"]!;

        if ((string)run["status"]! == "queued")
            await RunTriggers.ScheduleAsync(await schedulers.GetScheduler(cancellationToken), kind, name, runId, userId,
                hasInput ? request.Input.GetRawText() : null, cancellationToken);
        return TypedResults.Accepted($"/v1/runs/{runId}", new StartedRun(runId, (string)run["status"]!));
    }
}
