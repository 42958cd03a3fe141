namespace Cronium.Runtime.Storage;

internal static class StorageSetup
{
    /// <summary>PostgreSQL when <c>ConnectionStrings:Postgres</c> is set, else the embedded SQLite file.</summary>
    public static WebApplicationBuilder AddStorage(this WebApplicationBuilder builder)
    {
        builder.Services.AddSingleton<SqlDialect>(sp =>
        {
            var postgres = sp.GetRequiredService<IConfiguration>().GetConnectionString("Postgres");
            return string.IsNullOrWhiteSpace(postgres)
                ? new SqliteDialect(sp.GetRequiredService<IOptions<Hosting.RuntimeOptions>>().Value.SqlitePath)
                : new PostgresDialect(postgres);
        });
        builder.Services.AddSingleton<WriteTurns>();
        builder.Services.AddScoped<DbScope>();
        builder.Services.AddScoped<ExecutionStore>();
        builder.Services.AddScoped<VariableStore>();
        builder.Services.AddScoped<IdempotencyStore>();
        builder.Services.AddScoped<CredentialStore>();
        builder.Services.AddScoped<RunStore>();
        builder.Services.AddScoped<LogStore>();
        builder.Services.AddHostedService<Migrator>();
        builder.Services.AddHostedService<Maintenance>();
        return builder;
    }
}

/// <summary>Migrates at start, before the server accepts calls; safe when two instances start together.</summary>
internal sealed class Migrator(SqlDialect dialect, ILogger<Migrator> logger) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        dialect.Migrate(logger);
        logger.LogInformation("Storage: {Store}", dialect.Name);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
