using System.Globalization;
using Cronium.Service.Definitions;
using Cronium.Service.Hosting;
using Cronium.Workflows.Chains;
using Cronium.Workflows.Definitions;
using Cronium.Workflows.Engine;
using Cronium.Workflows.Steps;

namespace Cronium.Service.Workers;

/// <summary>
/// One fire of a definition's job: a schedule's (the run is made here, one per scheduled time whatever happens)
/// or a started run's (made queued by the runs API). It runs on this instance's worker pool with the engine
/// <c>cronium run</c> and <c>cronium workflow run</c> use, and stops when the run is cancelled from anywhere.
/// </summary>
internal sealed class RunJob(WorkerEndpoint worker, WorkerBackends backends, IOptions<WorkerOptions> options, ServiceMetrics metrics, ILogger<RunJob> logger) : IJob
{
    public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken)
    {
        var definition = context.JobDetail.JobDataMap;
        var (kind, name) = (definition.GetString(JobData.Kind)!, definition.GetString(JobData.Name)!);
        var runData = context.Trigger.JobDataMap;
        var runId = runData.GetString(JobData.RunId);
        DateTimeOffset? scheduledAt = null;
        if (context.Recovering && context.RecoveringTriggerKey is { } original)
        {
            // Run again by Quartz for an instance that died: the original trigger says which run (a started run's
            // trigger is named after it) or which scheduled time (a schedule's fire).
            if (original.Group == RunTriggers.Group) runId ??= original.Name;
            else if (long.TryParse(runData.GetString(SchedulerConstants.FailedJobOriginalTriggerScheduledFireTime), out var meantMs))
                scheduledAt = DateTimeOffset.FromUnixTimeMilliseconds(meantMs);
        }
        if (runId is null) scheduledAt ??= context.ScheduledFireTimeUtc;
        var client = worker.Client;

        if (runId is null)
        {
            var skip = definition.GetString(JobData.Overlap) == "skip";
            // The look covers runs started by hand; between fires (which may run at once, on any instance) the
            // store decides: a skip schedule's runs are exclusive, so a second one is refused with run_active.
            if (!context.Recovering && skip && await AnyRunningAsync(client, kind, name, cancellationToken))
            {
                Skipped(kind, name, scheduledAt);
                return;
            }
            try
            {
                // One run per scheduled time: a fire that runs again (recovery) finds the same run.
                var created = await client.CreateRunAsync(new JsonObject
                {
                    ["kind"] = kind, ["name"] = name, ["userId"] = "local", ["status"] = "queued", ["exclusive"] = skip,
                    ["metadata"] = new JsonObject { ["trigger"] = "schedule", ["scheduledAt"] = scheduledAt!.Value.ToString("O", CultureInfo.InvariantCulture) },
                }, cancellationToken, idempotencyKey: $"schedule:{kind}:{name}:{scheduledAt.Value.ToUnixTimeMilliseconds()}");
                runId = (string)created["runId"]!;
            }
            catch (RuntimeApiException e) when (e.Code == "run_active")
            {
                Skipped(kind, name, scheduledAt);
                return;
            }
        }

        var run = await client.GetRunAsync(runId, cancellationToken);
        var status = (string)run["status"]!;
        if (status != "queued")
        {
            // Taken before: by an instance that died while running it (Quartz recovers its job here), or already done.
            if (context.Recovering && status is "running" or "interrupted")
            {
                if (status == "running")
                {
                    logger.LogWarning("{Kind} {Name}: run {RunId} was interrupted (its instance stopped while running it)", kind, name, runId);
                    metrics.Ended(kind, name, "interrupted");
                }
                if (await Interruption.RecoverAsync(context.Scheduler, client, run, definition.GetString(JobData.Yaml)!, CancellationToken.None) is { } retryId)
                    logger.LogWarning("{Kind} {Name}: run {RunId} runs again as {RetryId} (recovery.attempts allows it)", kind, name, runId, retryId);
            }
            return;
        }
        var attempt = Interruption.AttemptOf(run);
        if (scheduledAt is null && run["metadata"]?["scheduledAt"] is { } meant) scheduledAt = DateTimeOffset.Parse((string)meant!, CultureInfo.InvariantCulture);
        metrics.Started(kind, name, scheduledAt is { } at ? DateTimeOffset.UtcNow - at : DateTimeOffset.UtcNow - DateTimeOffset.Parse((string)run["startedAt"]!, CultureInfo.InvariantCulture));

        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        using var watch = CancelWatch.Start(client, runId, TimeSpan.FromMilliseconds(options.Value.CancelPollMilliseconds), cancel);
        var userId = runData.GetString(JobData.UserId) ?? "local";
        var input = runData.GetString(JobData.Input) is { } text ? JsonNode.Parse(text) : null;
        var hasInput = runData.ContainsKey(JobData.Input);
        using var workspace = Definition.Materialize(definition.GetString(JobData.FileName)!, definition.GetString(JobData.Yaml)!,
            Definition.FilesFrom(definition.GetString(JobData.Files)), out var path);
        var backend = await backends.GetAsync(cancel.Token);
        var steps = new StepRunner(new ExecutionRunner(client, worker.Endpoint, backend), new ToolActionRunner(client));
        try
        {
            var ended = kind == DefinitionKinds.Workflow
                ? (await new WorkflowEngine(steps, client).RunAsync(WorkflowLoader.Load(path),
                    new WorkflowRunOptions { Input = input, HasInput = hasInput, UserId = userId, QueuedRunId = runId, ScheduledAt = scheduledAt, RunAttempt = attempt },
                    QuietObserver.Instance, cancel.Token)).Status
                : (await new ChainRunner(steps, client).RunAsync(EventChain.Load(EventLoader.Load(path)),
                    new RunOptions { Input = input, HasInput = hasInput, UserId = userId, RunId = runId, ScheduledAt = scheduledAt, Attempt = attempt },
                    QuietObserver.Instance, cancel.Token)).Status;
            metrics.Ended(kind, name, ended);
        }
        catch (RuntimeApiException e) when (e.Code == "run_not_queued")
        {
            // Cancelled (or taken) between the look above and now: nothing to run.
        }
        finally
        {
            metrics.Left();
        }
    }

    private void Skipped(string kind, string name, DateTimeOffset? scheduledAt)
    {
        logger.LogInformation("{Kind} {Name}: the fire of {ScheduledAt:O} is skipped, the previous run still goes (overlap: skip)", kind, name, scheduledAt);
        metrics.Skipped(kind, name);
    }

    private static async Task<bool> AnyRunningAsync(RuntimeClient client, string kind, string name, CancellationToken cancellationToken)
    {
        var query = $"?kind={kind}&name={Uri.EscapeDataString(name)}&limit=1&status=";
        foreach (var status in new[] { "running", "queued" })
            if (((await client.ListRunsAsync(query + status, cancellationToken))["items"] as JsonArray)?.Count > 0) return true;
        return false;
    }
}
