using System.Globalization;
using Cronium.Service.Definitions;

namespace Cronium.Service.Workers;

/// <summary>
/// A run whose instance died, found by the instance Quartz hands its job to: the run ends <c>interrupted</c>, and
/// when its definition's <c>recovery.attempts</c> allows, a new run (the next attempt) is queued for any live instance.
/// </summary>
internal static class Interruption
{
    private const string Why = "the instance running it stopped before it ended";

    /// <summary>Which try of its fire or start a run is: metadata <c>attempt</c>, 1 when absent.</summary>
    public static int AttemptOf(JsonObject run) =>
        int.TryParse((string?)run["metadata"]?["attempt"], NumberStyles.None, CultureInfo.InvariantCulture, out var attempt) ? attempt : 1;

    /// <summary>
    /// Its running executions end failed (their tokens die with them) and whatever they left on this machine is
    /// killed; the run ends <c>interrupted</c>, its error naming the run that tries again, if any. A container is
    /// removed by the next instance that starts on its machine (the docker backend's leftover sweep). Also for a run
    /// already interrupted: the instance that marked it may have died before its retry was handed to Quartz.
    /// Returns the retry's run id, or null.
    /// </summary>
    public static async Task<string?> RecoverAsync(IScheduler scheduler, RuntimeClient client, JsonObject run, string yaml, CancellationToken cancellationToken)
    {
        var retry = await CreateRetryAsync(client, run, yaml, cancellationToken);
        if ((string)run["status"]! == "running")
        {
            foreach (var execution in run["executions"]!.AsArray().Where(e => (string)e!["status"]! == "running"))
            {
                var id = (string)execution!["executionId"]!;
                ProcessBackend.KillLeftoversOf(id);
                try
                {
                    await client.CompleteExecutionAsync(id, "failed", null, Why, cancellationToken);
                }
                catch (RuntimeApiException e) when (e.Code == "execution_finished")
                {
                }
            }
            var next = retry is null ? "" : $"; run again as {(string)retry["runId"]!} (attempt {AttemptOf(retry)} of {Definition.RecoveryAttemptsIn(yaml)})";
            await client.CompleteRunAsync((string)run["runId"]!, "interrupted", Why + next, cancellationToken);
        }
        // Handed to the workers only now, so the retry never runs beside the run it replaces.
        if (retry is not null && (string)retry["status"]! == "queued")
            await RunTriggers.ScheduleAsync(scheduler, (string)retry["kind"]!, (string)retry["name"]!, (string)retry["runId"]!, (string)retry["userId"]!,
                retry["input"]?.ToJsonString(), cancellationToken);
        return (string?)retry?["runId"];
    }

    /// <summary>
    /// A new run rather than the same one again: <c>interrupted</c> is final, so the record of what happened stays
    /// as it was, and the retry is a run of its own whose metadata says <c>retryOf</c> and <c>attempt</c> (its
    /// scripts see the attempt in their context). Same input, user and trigger metadata (<c>scheduledAt</c> too).
    /// Made once per interrupted run (idempotency key), whoever recovers it; null when no attempt is left.
    /// </summary>
    private static async Task<JsonObject?> CreateRetryAsync(RuntimeClient client, JsonObject run, string yaml, CancellationToken cancellationToken)
    {
        var attempt = AttemptOf(run) + 1;
        // Someone asked it to stop: a retry would start what they stopped.
        if (attempt > Definition.RecoveryAttemptsIn(yaml) || run["cancelRequested"]?.GetValue<bool>() == true) return null;
        var runId = (string)run["runId"]!;
        var metadata = run["metadata"]?.DeepClone() as JsonObject ?? [];
        metadata["attempt"] = attempt.ToString(CultureInfo.InvariantCulture);
        metadata["retryOf"] = runId;
        return await client.CreateRunAsync(new JsonObject
        {
            ["kind"] = (string)run["kind"]!, ["name"] = (string)run["name"]!, ["userId"] = (string)run["userId"]!, ["status"] = "queued",
            ["input"] = run["input"]?.DeepClone(), ["metadata"] = metadata,
        }, cancellationToken, idempotencyKey: $"retry:{runId}");
    }
}
