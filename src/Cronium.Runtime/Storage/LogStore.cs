using System.Text;
using Dapper;

namespace Cronium.Runtime.Storage;

internal sealed class LogRow
{
    public long Seq { get; set; }
    public long At { get; set; }
    public string Stream { get; set; } = "";
    public string Text { get; set; } = "";
}

internal sealed class LogState
{
    public string Status { get; set; } = "";
    public long LogBytes { get; set; }
    public long LogSeq { get; set; }
    public bool LogTruncated { get; set; }
}

internal sealed record LogAppend(long Seq, long At, string Stream, string Text);

/// <summary>A chunk as it is stored: a typed row, so its insert's parameters are written by code made at build time.</summary>
internal sealed record LogInsert(string ExecutionId, long Seq, long At, string Stream, string Text);

internal enum AppendOutcome { Appended, NotFound, Finished }

/// <summary>
/// An execution's output, as numbered chunks. The orchestrator numbers them (1, 2, 3 …); a chunk at or below the
/// last number stored is a retried batch and is ignored, so a retry never doubles a line. Past the cap, the first
/// chunk that does not fit is replaced by a <c>system</c> line saying so and the rest is not stored.
/// </summary>
internal sealed class LogStore(DbScope db, SqlDialect dialect)
{
    public const string SystemStream = "system";

    private const string SelectStateSql = "SELECT status, log_bytes, log_seq, log_truncated FROM executions WHERE id = @Id";

    // Holds the row until the append commits; SQLite's single writer already does.
    private const string SelectStateForUpdateSql = SelectStateSql + " FOR UPDATE";

    private const string InsertSql = "INSERT INTO execution_logs (execution_id, seq, at, stream, text) VALUES (@ExecutionId, @Seq, @At, @Stream, @Text)";

    private const string UpdateStateSql = "UPDATE executions SET log_bytes = @LogBytes, log_seq = @LogSeq, log_truncated = @LogTruncated WHERE id = @Id";

    private const string SelectPageSql = "SELECT seq, at, stream, text FROM execution_logs WHERE execution_id = @Id AND seq > @After ORDER BY seq LIMIT @Take";

    public Task<(AppendOutcome Outcome, LogState? State)> AppendAsync(string executionId, IReadOnlyList<LogAppend> entries, long cap, CancellationToken cancellationToken) =>
        db.TransactionAsync<(AppendOutcome, LogState?)>(async (c, tx) =>
        {
            var state = dialect.LocksRowsForUpdate
                ? await c.QuerySingleOrDefaultAsync<LogState>(SelectStateForUpdateSql, new { Id = executionId, cancellationToken }, tx)
                : await c.QuerySingleOrDefaultAsync<LogState>(SelectStateSql, new { Id = executionId, cancellationToken }, tx);
            if (state is null) return (AppendOutcome.NotFound, null);
            if (state.Status != ExecutionStore.Running) return (AppendOutcome.Finished, state);

            var rows = new List<LogInsert>();
            foreach (var entry in entries)
            {
                if (entry.Seq <= state.LogSeq) continue;
                state.LogSeq = entry.Seq;
                if (state.LogTruncated) continue;
                var size = Encoding.UTF8.GetByteCount(entry.Text);
                if (state.LogBytes + size <= cap)
                {
                    state.LogBytes += size;
                    rows.Add(new LogInsert(executionId, entry.Seq, entry.At, entry.Stream, entry.Text));
                }
                else
                {
                    state.LogTruncated = true;
                    rows.Add(new LogInsert(executionId, entry.Seq, entry.At, SystemStream,
                        $"[cronium: this execution's log reached its cap of {cap} bytes (Runtime:Limits:MaxLogBytes); the rest of its output was not recorded]\n"));
                }
            }
            foreach (var row in rows) await c.ExecuteAsync(InsertSql, row, tx);
            await c.ExecuteAsync(UpdateStateSql, new { Id = executionId, state.LogBytes, state.LogSeq, state.LogTruncated, cancellationToken }, tx);
            return (AppendOutcome.Appended, state);
        }, cancellationToken);

    public Task<LogState?> StateAsync(string executionId, CancellationToken cancellationToken) =>
        db.ReadAsync((c, tx) => c.QuerySingleOrDefaultAsync<LogState>(SelectStateSql, new { Id = executionId, cancellationToken }, tx), cancellationToken);

    public async Task<IReadOnlyList<LogRow>> PageAsync(string executionId, long after, int take, CancellationToken cancellationToken) =>
        (await db.ReadAsync((c, tx) => c.QueryAsync<LogRow>(SelectPageSql, new { Id = executionId, After = after, Take = take, cancellationToken }, tx), cancellationToken)).AsList();
}
