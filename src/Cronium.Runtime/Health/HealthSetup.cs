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
        // /metrics exports the runtime's event counters (GC, thread pool, Kestrel's connection counts), and the adapter
        // that reads them listens to each event source at Informational level by default, which also turns on
        // Kestrel's and Hosting's per-request events: four per request, each payload copied into strings for a listener
        // that drops them (13 % of getVariable's allocation). Counters are written at LogAlways, so Critical keeps
        // every one of them and none of those events. Process-wide, and read when /metrics is first scraped.
        Metrics.ConfigureEventCounterAdapter(o => o.EventSourceSettingsProvider = _ => new EventCounterAdapterEventSourceSettings { MinimumLevel = EventLevel.Critical });
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
        app.UseHttpMetrics(o =>
        {
            o.ReduceStatusCodeCardinality();
            o.AddCustomLabel("operation", http => http.GetEndpoint()?.Metadata.GetMetadata<IEndpointNameMetadata>()?.EndpointName ?? "none");
        });
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
            await connection.ExecuteScalarAsync<int>(new CommandDefinition("SELECT 1", cancellationToken: cancellationToken));
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
