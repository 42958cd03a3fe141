using Dapper;
using Microsoft.Extensions.Options;

namespace Cronium.Runtime.Storage;

/// <summary>
/// Prunes what only needs to live for a while: idempotency records (24 h), variable tombstones (a day, well
/// past any cache entry that could still hold an older version) and audit rows past their retention.
/// </summary>
internal sealed class Maintenance(SqlDialect dialect, TimeProvider time, IOptions<Hosting.RuntimeOptions> options, ILogger<Maintenance> logger)
    : BackgroundService
{
    private const string PruneIdempotencySql = "DELETE FROM idempotency_keys WHERE created_at < @Cutoff";
    private const string PruneTombstonesSql = "DELETE FROM variables WHERE deleted AND updated_at < @Cutoff";
    private const string PruneAuditSql = "DELETE FROM audit_log WHERE at < @Cutoff";

    private static readonly TimeSpan Every = TimeSpan.FromMinutes(10);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // The first pass waits a tick too: start-up (and a short cronium run) should not pay for pruning.
        using var timer = new PeriodicTimer(Every, time);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                await PruneAsync(stoppingToken);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                logger.LogWarning("Maintenance failed, will retry: {Error}", e.Message);
            }
        }
    }

    internal async Task PruneAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var day = Time.ToMs(now - TimeSpan.FromDays(1));
        var audit = Time.ToMs(now - TimeSpan.FromDays(options.Value.AuditRetentionDays));
        await using var connection = await dialect.DataSource.OpenConnectionAsync(cancellationToken);
        await connection.ExecuteAsync(new CommandDefinition(PruneIdempotencySql, new { Cutoff = day }, cancellationToken: cancellationToken));
        await connection.ExecuteAsync(new CommandDefinition(PruneTombstonesSql, new { Cutoff = day }, cancellationToken: cancellationToken));
        await connection.ExecuteAsync(new CommandDefinition(PruneAuditSql, new { Cutoff = audit }, cancellationToken: cancellationToken));
    }
}
