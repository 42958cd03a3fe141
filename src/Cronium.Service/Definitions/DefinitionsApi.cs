using Cronium.Runtime.Auth;
using Cronium.Runtime.Problems;
using Cronium.Service.Workers;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Cronium.Service.Definitions;

/// <summary>
/// Events and workflows the service holds, over HTTP (orchestrator keys): put, get, delete, list. A definition
/// that fails its checks is refused with every problem (422 definition_invalid) and the one in force stays.
/// </summary>
internal static class DefinitionsApi
{
    public static void MapDefinitions(this IEndpointRouteBuilder app)
    {
        Map(app, DefinitionKinds.Event, "/v1/events", "Event");
        Map(app, DefinitionKinds.Workflow, "/v1/workflows", "Workflow");
    }

    private static void Map(IEndpointRouteBuilder app, string kind, string prefix, string noun)
    {
        var group = app.MapGroup(prefix).WithTags("Definitions").RequireOrchestratorKey();
        group.MapGet("/", (DefinitionCatalog catalog, ISchedulerFactory schedulers, CancellationToken ct) => List(kind, catalog, schedulers, ct)).WithName($"list{noun}Definitions");
        group.MapPut("/{name}", (string name, DefinitionUpload upload, DefinitionCatalog catalog, ISchedulerFactory schedulers, CancellationToken ct) =>
            Put(kind, name, upload, catalog, schedulers, ct)).WithName($"put{noun}Definition");
        group.MapGet("/{name}", (string name, DefinitionCatalog catalog, ISchedulerFactory schedulers, CancellationToken ct) => Get(kind, name, catalog, schedulers, ct)).WithName($"get{noun}Definition");
        group.MapDelete("/{name}", (string name, DefinitionCatalog catalog, CancellationToken ct) => Delete(kind, name, catalog, ct)).WithName($"delete{noun}Definition");
    }

    private static async Task<Results<Ok<SavedDefinition>, ProblemHttpResult>> Put(
        string kind, string name, DefinitionUpload upload, DefinitionCatalog catalog, ISchedulerFactory schedulers, CancellationToken cancellationToken)
    {
        Definition definition;
        try
        {
            definition = Definition.Check(kind, name, name + ".yaml", upload.Definition ?? "", upload.Files ?? []);
        }
        catch (DefinitionException e)
        {
            return Invalid(kind, name, e.Problems);
        }
        var change = await catalog.SaveAsync(definition, "api", cancellationToken);
        var job = (await catalog.GetAsync(kind, definition.Name, cancellationToken))!;
        var (schedule, next) = await ScheduleOf(job, schedulers, cancellationToken);
        return TypedResults.Ok(new SavedDefinition(kind, definition.Name, definition.Hash, change, schedule, next));
    }

    private static async Task<Results<Ok<DefinitionResponse>, ProblemHttpResult>> Get(
        string kind, string name, DefinitionCatalog catalog, ISchedulerFactory schedulers, CancellationToken cancellationToken)
    {
        if (await catalog.GetAsync(kind, name, cancellationToken) is not { } job) return NotFound(kind, name);
        var (schedule, next) = await ScheduleOf(job, schedulers, cancellationToken);
        var data = job.JobDataMap;
        return TypedResults.Ok(new DefinitionResponse(kind, name, data.GetString(JobData.Hash)!, schedule, next,
            data.GetString(JobData.Yaml)!, Definition.FilesFrom(data.GetString(JobData.Files))));
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> Delete(string kind, string name, DefinitionCatalog catalog, CancellationToken cancellationToken) =>
        await catalog.DeleteAsync(kind, name, cancellationToken) ? TypedResults.NoContent() : NotFound(kind, name);

    private static async Task<Ok<DefinitionList>> List(string kind, DefinitionCatalog catalog, ISchedulerFactory schedulers, CancellationToken cancellationToken)
    {
        var items = new List<DefinitionSummary>();
        foreach (var job in await catalog.ListAsync(kind, cancellationToken))
        {
            var (schedule, next) = await ScheduleOf(job, schedulers, cancellationToken);
            items.Add(new DefinitionSummary(kind, job.Key.Name, job.JobDataMap.GetString(JobData.Hash)!, schedule, next));
        }
        return TypedResults.Ok(new DefinitionList(items));
    }

    /// <summary>The schedule as written (read back from the definition) and when it fires next.</summary>
    private static async Task<(ScheduleResponse?, DateTimeOffset?)> ScheduleOf(IJobDetail job, ISchedulerFactory schedulers, CancellationToken cancellationToken)
    {
        var scheduler = await schedulers.GetScheduler(cancellationToken);
        if (await scheduler.GetTrigger(DefinitionCatalog.CronKeyOf(job.Key.Group, job.Key.Name), cancellationToken) is not ICronTrigger cron) return (null, null);
        var written = Definition.ScheduleIn(job.JobDataMap.GetString(JobData.Yaml)!);
        return (new ScheduleResponse(written?.Cron ?? cron.CronExpressionString!, cron.TimeZone.Id, job.JobDataMap.GetString(JobData.Overlap)!), cron.NextFireTimeUtc);
    }

    public static ProblemHttpResult NotFound(string kind, string name) =>
        ApiProblem.Create(StatusCodes.Status404NotFound, ProblemCodes.DefinitionNotFound, $"There is no {kind} named '{name}'.");

    private static ProblemHttpResult Invalid(string kind, string name, IReadOnlyList<string> problems) =>
        ApiProblem.Create(StatusCodes.Status422UnprocessableEntity, ProblemCodes.DefinitionInvalid,
            $"The {kind} '{name}' was not saved (the one in force, if any, stays): {problems.Count} problem(s).",
            new Dictionary<string, object?> { ["problems"] = problems });
}
