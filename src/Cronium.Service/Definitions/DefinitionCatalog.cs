using Cronium.Service.Schedules;
using Cronium.Service.Workers;

namespace Cronium.Service.Definitions;

/// <summary>
/// Definitions live in Quartz's job store, one durable job each (group = kind, name = the definition's name), so
/// every instance on the same database sees the same set and a schedule's trigger sits beside its definition.
/// <c>overlap: queue</c> makes the job one that never runs twice at once, cluster-wide (Quartz holds the next fire).
/// </summary>
internal sealed class DefinitionCatalog(ISchedulerFactory schedulers)
{
    private const string Source = "source";

    public static JobKey KeyOf(string kind, string name) => new(name, kind);

    public static TriggerKey CronKeyOf(string kind, string name) => new($"{kind}:{name}", "cron");

    /// <summary>Stores a checked definition; "added", "changed" or "unchanged".</summary>
    public async Task<string> SaveAsync(Definition definition, string source, CancellationToken cancellationToken)
    {
        var scheduler = await schedulers.GetScheduler(cancellationToken);
        var key = KeyOf(definition.Kind, definition.Name);
        var existing = await scheduler.GetJobDetail(key, cancellationToken);
        if (existing is not null && existing.JobDataMap.GetString(JobData.Hash) == definition.Hash) return "unchanged";

        var overlap = definition.Schedule?.Overlap ?? Overlap.Allow;
        var job = JobBuilder.Create<RunJob>()
            .WithIdentity(key)
            .DisallowConcurrentExecution(overlap == Overlap.Queue)
            .StoreDurably()
            .RequestRecovery()
            .UsingJobData(JobData.Kind, definition.Kind)
            .UsingJobData(JobData.Name, definition.Name)
            .UsingJobData(JobData.FileName, definition.FileName)
            .UsingJobData(JobData.Yaml, definition.Yaml)
            .UsingJobData(JobData.Files, definition.FilesJson)
            .UsingJobData(JobData.Hash, definition.Hash)
            .UsingJobData(JobData.Overlap, overlap.ToString().ToLowerInvariant())
            .UsingJobData(Source, source)
            .Build();
        await scheduler.AddJob(job, new AddJobOptions { Replace = true }, cancellationToken);

        var cronKey = CronKeyOf(definition.Kind, definition.Name);
        if (definition.Schedule is { } schedule)
        {
            // Misfires (the service was down at fire time) run once on recovery, then the schedule goes on.
            var trigger = TriggerBuilder.Create().WithIdentity(cronKey).ForJob(key)
                .WithCronSchedule(schedule.QuartzCron, c => c.InTimeZone(schedule.TimeZone).WithMisfireInstruction(CronTriggerMisfireInstruction.FireAndProceed))
                .Build();
            if (await scheduler.GetTrigger(cronKey, cancellationToken) is null) await scheduler.ScheduleJob(trigger, new ScheduleJobOptions(), cancellationToken);
            else await scheduler.RescheduleJob(cronKey, trigger, cancellationToken);
        }
        else
        {
            await scheduler.UnscheduleJob(cronKey, cancellationToken);
        }
        return existing is null ? "added" : "changed";
    }

    public async Task<IJobDetail?> GetAsync(string kind, string name, CancellationToken cancellationToken) =>
        await (await schedulers.GetScheduler(cancellationToken)).GetJobDetail(KeyOf(kind, name), cancellationToken);

    public async Task<IReadOnlyList<IJobDetail>> ListAsync(string kind, CancellationToken cancellationToken)
    {
        var scheduler = await schedulers.GetScheduler(cancellationToken);
        var keys = await scheduler.GetJobKeys(GroupMatcher<JobKey>.GroupEquals(kind), cancellationToken);
        var jobs = new List<IJobDetail>();
        foreach (var key in keys.OrderBy(k => k.Name, StringComparer.Ordinal))
            if (await scheduler.GetJobDetail(key, cancellationToken) is { } job) jobs.Add(job);
        return jobs;
    }

    public async Task<bool> DeleteAsync(string kind, string name, CancellationToken cancellationToken) =>
        await (await schedulers.GetScheduler(cancellationToken)).DeleteJob(KeyOf(kind, name), cancellationToken);

    /// <summary>The definitions a folder put here: what a later load of the folder may remove.</summary>
    public static bool CameFromFolder(IJobDetail job) => job.JobDataMap.GetString(Source) == "folder";

    public static async Task<DateTimeOffset?> NextFireAsync(IScheduler scheduler, IJobDetail job, CancellationToken cancellationToken) =>
        (await scheduler.GetTrigger(CronKeyOf(job.Key.Group, job.Key.Name), cancellationToken))?.NextFireTimeUtc;
}
