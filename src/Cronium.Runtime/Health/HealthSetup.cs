using Cronium.Runtime.Caching;
using Cronium.Runtime.Storage;
using Dapper;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using System.Diagnostics.Tracing;
using Prometheus;

namespace Cronium.Runtime.Health;

internal static class HealthSetup
{
    public static WebApplicationBuilder AddHealth(this WebApplicationBuilder builder)
    {
        // Both adapters are process-wide and start on the first scrape of /metrics; by default each cost every
        // request CPU for figures that went unread or repeated ours. The event counters (GC, thread pool, Kestrel's
        // connections) are read at Critical: the Informational default also turned on Kestrel's and Hosting's
        // per-request events, four per request, each copied into strings for a listener that drops them (13 % of
        // getVariable's allocation); counters are written at LogAlways, so every one is kept. ASP.NET Core's own
        // meters (request duration, routing, authentication, authorization, memory pool) repeat per request what
        // OperationMetrics counts per operation: left out, getVariable took 63 µs of runtime CPU instead of 74-90.
        // Kestrel's (per connection) stay.
        Metrics.ConfigureEventCounterAdapter(o => o.EventSourceSettingsProvider = _ => new EventCounterAdapterEventSourceSettings { MinimumLevel = EventLevel.Critical });
        Metrics.ConfigureMeterAdapter(o => o.InstrumentFilterPredicate = i =>
            !i.Meter.Name.StartsWith("Microsoft.AspNetCore.", StringComparison.Ordinal) || i.Meter.Name == "Microsoft.AspNetCore.Server.Kestrel");
        builder.Services.AddHealthChecks()
            .AddCheck<StorageHealthCheck>("storage", tags: ["ready"])
            .AddCheck<CacheHealthCheck>("cache", tags: ["ready"]);
        return builder;
    }

    public static WebApplication MapHealth(this WebApplication app)
    {
        app.MapHealthChecks("/health/live", new HealthCheckOptions { Predicate = _ => false }).WithName("getLiveness").WithTags("Operations");
        app.MapHealthChecks("/health/ready", new HealthCheckOptions { Predicate = c => c.Tags.Contains("ready") }).WithName("getReadiness").WithTags("Operations");
        app.MapMetrics("/metrics").WithName("getMetrics").WithTags("Operations");
        return app;
    }

    /// <summary>Request counts and latencies per operation (the route's operationId), status and method.</summary>
    public static WebApplication UseMetrics(this WebApplication app)
    {
        app.Use(OperationMetrics.MeasureAsync);
        return app;
    }
}

internal sealed class StorageHealthCheck(SqlDialect dialect) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            await using var connection = await dialect.DataSource.OpenConnectionAsync(cancellationToken);
            await connection.ExecuteScalarAsync<int>("SELECT 1", new { cancellationToken });
            return HealthCheckResult.Healthy($"{dialect.Name} answers");
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            return HealthCheckResult.Unhealthy($"{dialect.Name} does not answer");
        }
    }
}

/// <summary>A cache that does not answer degrades readiness but does not fail it: calls are served from storage.</summary>
internal sealed class CacheHealthCheck(RuntimeCache cache) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        if (!cache.Enabled) return HealthCheckResult.Healthy("no cache configured");
        return await cache.PingAsync() ? HealthCheckResult.Healthy("valkey answers") : HealthCheckResult.Degraded("valkey does not answer");
    }
}
