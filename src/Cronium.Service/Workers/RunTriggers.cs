using Cronium.Service.Definitions;

namespace Cronium.Service.Workers;

/// <summary>
/// A queued run's one-off trigger of its definition's job, named after the run (group <see cref="Group"/>): it waits
/// in the database until a worker on any instance takes it, and a recovery of it says which run it was.
/// </summary>
internal static class RunTriggers
{
    public const string Group = "runs";

    /// <param name="input">The run's input as JSON text; null when none was given (the definition's own applies).</param>
    public static async Task ScheduleAsync(IScheduler scheduler, string kind, string name, string runId, string userId, string? input, CancellationToken cancellationToken)
    {
        var key = new TriggerKey(runId, Group);
        if (await scheduler.Exists(key, cancellationToken)) return;
        var trigger = TriggerBuilder.Create()
            .WithIdentity(key)
            .ForJob(DefinitionCatalog.KeyOf(kind, name))
            .UsingJobData(JobData.RunId, runId)
            .UsingJobData(JobData.UserId, userId)
            .StartNow()
            .WithSimpleSchedule(s => s.WithMisfireInstruction(SimpleTriggerMisfireInstruction.FireNow));
        if (input is not null) trigger = trigger.UsingJobData(JobData.Input, input);
        try
        {
            await scheduler.ScheduleJob(trigger.Build(), new ScheduleJobOptions(), cancellationToken);
        }
        catch (ObjectAlreadyExistsException)
        {
            // The same start retried at once: the first one's trigger stands.
        }
    }
}
