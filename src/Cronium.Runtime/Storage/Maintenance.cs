using Dapper;

namespace Cronium.Runtime.Storage;

/// <summary>
/// Prunes what only needs to live for a while: idempotency records (24 h), variable tombstones (a day; their
/// versions live on in the user's floor), audit rows, and ended runs, executions and their logs past their retention.
/// </summary>
internal sealed class Maintenance(SqlDialect dialect, TimeProvider time, IOptions<Hosting.RuntimeOptions> options, ILogger<Maintenance> logger)
    : BackgroundService
{
    private const string PruneIdempotencySql = "DELETE FROM idempotency_keys WHERE created_at < @Cutoff";
    private const string PruneTombstonesSql = "DELETE FROM variables WHERE deleted AND updated_at < @Cutoff";

    // Before the tombstones go, each user's floor rises to the highest of their versions: a key made again starts
    // above it (VariableStore). Its own statement, committed before the delete, so that a write of a pruned key
    // reads the floor unless it began before the floor committed and finished after the delete did.
    private const string RaiseFloorsSql = """
        INSERT INTO variable_floors (user_id, version)
        SELECT user_id, MAX(version) FROM variables WHERE deleted AND updated_at < @Cutoff GROUP BY user_id
        ON CONFLICT (user_id) DO UPDATE SET version = excluded.version WHERE excluded.version > variable_floors.version
        """;

    // Ended runs and executions past their retention go with their nodes and logs; an execution of a run that is
    // still going stays as long as its run does.
    private const string PruneRunNodesSql = "DELETE FROM run_nodes WHERE run_id IN (SELECT id FROM runs WHERE completed_at < @Cutoff)";
    private const string PruneRunsSql = "DELETE FROM runs WHERE completed_at < @Cutoff";
    private const string PrunableExecutions = """
        SELECT id FROM executions WHERE completed_at < @Cutoff
          AND (run_id IS NULL OR run_id NOT IN (SELECT id FROM runs WHERE completed_at IS NULL))
        """;
    private const string PruneLogsSql = $"DELETE FROM execution_logs WHERE execution_id IN ({PrunableExecutions})";
    private const string PruneExecutionsSql = $"DELETE FROM executions WHERE id IN ({PrunableExecutions})";

    private static readonly TimeSpan Every = TimeSpan.FromMinutes(10);

    protected override Task ExecuteAsync(CancellationToken stoppingToken) => RunAsync(stoppingToken);

    /// <summary>The loop: a pass every ten minutes until <paramref name="stoppingToken"/> is cancelled, then it returns.</summary>
    internal async Task RunAsync(CancellationToken stoppingToken)
    {
        // The first pass waits a tick too: start-up (and a short cronium run) should not pay for pruning.
        using var timer = new PeriodicTimer(Every, time);
        // The stop disposes the timer, which ends the wait with false. A wait cancelled by the token would throw an
        // exception whose stack trace PeriodicTimer renders as text, and that first rendering builds the whole method
        // name map: the largest part of a native runtime's stop, which every cronium run waits for.
        using var stop = stoppingToken.Register(timer.Dispose);
        while (await timer.WaitForNextTickAsync())
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
        var runs = Time.ToMs(now - TimeSpan.FromDays(options.Value.RunRetentionDays));
        await using var connection = await dialect.DataSource.OpenConnectionAsync(cancellationToken);
        await connection.ExecuteAsync(PruneIdempotencySql, new { Cutoff = day, cancellationToken });
        await connection.ExecuteAsync(RaiseFloorsSql, new { Cutoff = day, cancellationToken });
        await connection.ExecuteAsync(PruneTombstonesSql, new { Cutoff = day, cancellationToken });
        await dialect.PruneAuditAsync(connection, audit, cancellationToken);
        // One call per statement, not a loop over them: each query's SQL must be a constant for Dapper.AOT to read it.
        await connection.ExecuteAsync(PruneRunNodesSql, new { Cutoff = runs, cancellationToken });
        await connection.ExecuteAsync(PruneRunsSql, new { Cutoff = runs, cancellationToken });
        await connection.ExecuteAsync(PruneLogsSql, new { Cutoff = runs, cancellationToken });
        await connection.ExecuteAsync(PruneExecutionsSql, new { Cutoff = runs, cancellationToken });
    }
}
