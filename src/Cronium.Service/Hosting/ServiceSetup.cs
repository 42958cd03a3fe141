using Cronium.Runtime.Hosting;
using Cronium.Runtime.Json;
using Cronium.Service.Definitions;
using Cronium.Service.Runs;
using Cronium.Service.Workers;

namespace Cronium.Service.Hosting;

/// <summary>
/// What <c>cronium serve</c> adds to the runtime: Quartz.NET on its ADO.NET job store (clustered over PostgreSQL
/// when <c>ConnectionStrings:Postgres</c> is set, the embedded SQLite file otherwise; its tables migrated with the
/// runtime's), the definitions, the workers and the routes that start runs.
/// </summary>
internal static class ServiceSetup
{
    public static void AddService(this WebApplicationBuilder builder)
    {
        var worker = WorkerEndpoint.Prepare(builder.Configuration);
        builder.Services.AddSingleton(_ => worker); // made by a factory, so the container disposes it (and its socket folder)
        builder.Services.AddOptions<ServiceOptions>().BindConfiguration(ServiceOptions.Section).ValidateOnStart();
        builder.Services.AddSingleton<IValidateOptions<ServiceOptions>, ServiceOptionsValidator>();
        builder.Services.AddOptions<WorkerOptions>().BindConfiguration(WorkerOptions.Section).ValidateOnStart();
        builder.Services.AddSingleton<IValidateOptions<WorkerOptions>, WorkerOptionsValidator>();
        builder.Services.AddSingleton<WorkerBackends>();
        builder.Services.AddSingleton<ServiceMetrics>();
        builder.Services.AddSingleton<DefinitionCatalog>();
        builder.Services.AddHostedService<FolderDefinitions>();

        var workers = builder.Configuration.GetSection(WorkerOptions.Section).Get<WorkerOptions>() ?? new WorkerOptions();
        var postgres = builder.Configuration.GetConnectionString("Postgres");
        builder.Services.AddQuartz(q =>
        {
            q.ConfigureScheduler(s =>
            {
                s.InstanceName = "cronium"; // the lock rows migration 0004 makes are this name's
                s.GenerateInstanceId = true; // each instance its own id, or clustered nodes take each other's firings for their own
                // How often an idle instance looks for due triggers another instance made (a run started there, a fire
                // its busy workers cannot take): Quartz's 30 s default would leave a queued run waiting that long.
                s.IdleWaitTime = TimeSpan.FromSeconds(1);
                // A stop cancels the runs this instance is running: their processes and containers are stopped and
                // they end cancelled, recorded while the runtime still answers (see SchedulerStop).
                s.ShutdownJobInterruption = ShutdownJobInterruption.WhenWaitingForJobs;
            });
            q.UseDefaultThreadPool(Math.Clamp(workers.Concurrency, 1, 1024));
            q.UsePersistentStore(store =>
            {
                store.ConfigureStore(o =>
                {
                    o.StoreJobDataAsStrings = true; // a definition's YAML and files, a run's id and input: readable in the table
                    // Later than this, a fire is a misfire: a schedule's run once on recovery (FireAndProceed), a started
                    // run still (FireNow). Below it, a fire that waited for a free worker is simply late.
                    o.MisfireThreshold = TimeSpan.FromSeconds(Math.Clamp(workers.MisfireThresholdSeconds, 1, 86_400));
                    // The tables are migrated with the runtime's (DbUp, 0004_scheduler.sql); Quartz only checks them.
                    o.SchemaProvisioning = SchemaProvisioning.Validate;
                });
                if (!string.IsNullOrWhiteSpace(postgres))
                {
                    // A pool of Quartz's own: scheduling waits on Quartz's row lock while it holds a connection, and a
                    // burst of starts must not take every connection the runtime answers scripts with.
                    store.UsePostgres(new Npgsql.NpgsqlConnectionStringBuilder(postgres) { MaxPoolSize = 20, ApplicationName = "cronium-quartz" }.ConnectionString);
                    // An instance that stops checking in (killed, cut off) has its running jobs recovered by another
                    // after this long: short enough to matter, long enough for a busy machine to check in.
                    store.UseClustering(c =>
                    {
                        c.CheckinInterval = TimeSpan.FromSeconds(2);
                        c.CheckinMisfireThreshold = TimeSpan.FromSeconds(6);
                    });
                }
                else
                {
                    var sqlite = builder.Configuration["Runtime:SqlitePath"] is { Length: > 0 } path ? path : RuntimeOptions.DefaultSqlitePath();
                    store.UseSqlite($"Data Source={Path.GetFullPath(sqlite)};Default Timeout=30;Pooling=true");
                }
            });
        });
        // Quartz checks its tables when its hosted service starts, and hosted services start in the order they were
        // added: the runtime's migration is added after this, so it runs here first too (the second run finds nothing to do).
        builder.Services.AddHostedService<Cronium.Runtime.Storage.Migrator>();
        // Jobs start once the runtime listens.
        builder.Services.AddQuartzHostedService(o =>
        {
            o.AwaitApplicationStarted = true;
            o.WaitForJobsToComplete = true;
        });
        builder.Services.AddHostedService<SchedulerStop>();
        builder.AddJsonContracts(DefinitionsJson.Default).AddJsonContracts(StartRunsJson.Default);
    }

    public static void MapService(this WebApplication app)
    {
        // Resolved here so the container owns it and disposes it (and the socket folder it made) with the app,
        // whether or not the app ever ran.
        _ = app.Services.GetRequiredService<WorkerEndpoint>();
        app.MapDefinitions();
        app.MapStartRuns();
    }
}

/// <summary>
/// Stops the scheduler when the host begins to stop, before the server does: hosted services stop in reverse
/// order, so Kestrel would stop first and the runs being cancelled could not record how they ended.
/// </summary>
internal sealed class SchedulerStop(ISchedulerFactory schedulers, IHostApplicationLifetime lifetime) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        lifetime.ApplicationStopping.Register(() =>
        {
            var scheduler = schedulers.GetScheduler().GetAwaiter().GetResult();
            scheduler.Shutdown(true).GetAwaiter().GetResult();
        });
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
