using Dapper;

namespace Cronium.Runtime.Storage;

internal sealed class ExecutionRow
{
    public string Id { get; set; } = "";
    public string UserId { get; set; } = "";
    public string JobId { get; set; } = "";
    public string EventId { get; set; } = "";
    public string EventName { get; set; } = "";
    public string EventType { get; set; } = "";
    public string? Workflow { get; set; }
    public string? RunId { get; set; }
    public string? Trigger { get; set; }
    public int Attempt { get; set; }
    public string? Input { get; set; }
    public string? Output { get; set; }
    public bool? Condition { get; set; }
    public string Metadata { get; set; } = "{}";
    public string Status { get; set; } = "";
    public int? ExitCode { get; set; }
    public string? Error { get; set; }
    public int TimeoutSeconds { get; set; }
    public string TokenId { get; set; } = "";
    public long TokenExpiresAt { get; set; }
    public long StartedAt { get; set; }
    public long Deadline { get; set; }
    public long? CompletedAt { get; set; }
    public long? ScheduledAt { get; set; }
}

internal sealed class ExecutionState
{
    public string Status { get; set; } = "";
    public long TokenExpiresAt { get; set; }
}

internal enum CompleteOutcome { Completed, AlreadySame, AlreadyOther, NotFound }

internal sealed class ExecutionStore(DbScope db)
{
    public const string Running = "running";

    private const string Columns = """
        id, user_id, job_id, event_id, event_name, event_type, workflow, run_id, trigger, attempt, input, output, condition, metadata,
        status, exit_code, error, timeout_seconds, token_id, token_expires_at, started_at, deadline, completed_at, scheduled_at
        """;

    private const string InsertSql = $"""
        INSERT INTO executions ({Columns})
        VALUES (@Id, @UserId, @JobId, @EventId, @EventName, @EventType, @Workflow, @RunId, @Trigger, @Attempt, @Input, @Output, @Condition, @Metadata,
                @Status, @ExitCode, @Error, @TimeoutSeconds, @TokenId, @TokenExpiresAt, @StartedAt, @Deadline, @CompletedAt, @ScheduledAt)
        """;

    private const string SelectSql = $"SELECT {Columns} FROM executions WHERE id = @Id";

    private const string SelectByRunSql = $"SELECT {Columns} FROM executions WHERE run_id = @RunId ORDER BY started_at, id";

    private const string SelectStateSql = "SELECT status, token_expires_at FROM executions WHERE id = @Id";

    private const string SelectInputSql = "SELECT input FROM executions WHERE id = @Id";

    private const string UpdateOutputSql = "UPDATE executions SET output = @Output WHERE id = @Id AND status = 'running'";

    private const string UpdateConditionSql = "UPDATE executions SET condition = @Condition WHERE id = @Id AND status = 'running'";

    private const string CompleteSql = """
        UPDATE executions SET status = @Status, exit_code = @ExitCode, error = @Error, completed_at = @CompletedAt
        WHERE id = @Id AND status = 'running'
        """;

    public Task InsertAsync(ExecutionRow row, CancellationToken cancellationToken) =>
        db.WriteAsync((c, tx) => c.ExecuteAsync(InsertSql, row, tx), cancellationToken);

    public Task<ExecutionRow?> GetAsync(string id, CancellationToken cancellationToken) =>
        db.ReadAsync((c, tx) => c.QuerySingleOrDefaultAsync<ExecutionRow>(SelectSql, new { Id = id, cancellationToken }, tx), cancellationToken);

    /// <summary>Every execution of a run (its events, its nodes' attempts, its follow-ups), in the order they started.</summary>
    public async Task<IReadOnlyList<ExecutionRow>> ListByRunAsync(string runId, CancellationToken cancellationToken) =>
        (await db.ReadAsync((c, tx) => c.QueryAsync<ExecutionRow>(SelectByRunSql, new { RunId = runId, cancellationToken }, tx), cancellationToken)).AsList();

    public Task<ExecutionState?> GetStateAsync(string id, CancellationToken cancellationToken) =>
        db.ReadAsync((c, tx) => c.QuerySingleOrDefaultAsync<ExecutionState>(SelectStateSql, new { Id = id, cancellationToken }, tx), cancellationToken);

    /// <summary>The input's JSON text, or null when there is none. The execution is known to exist (its token was valid).</summary>
    public Task<string?> GetInputAsync(string id, CancellationToken cancellationToken) =>
        db.ReadAsync((c, tx) => c.QuerySingleOrDefaultAsync<string?>(SelectInputSql, new { Id = id, cancellationToken }, tx), cancellationToken);

    /// <summary>False when the execution is no longer running (completed between the token check and this write).</summary>
    public async Task<bool> SetOutputAsync(string id, string json, CancellationToken cancellationToken) =>
        await db.WriteAsync((c, tx) => c.ExecuteAsync(UpdateOutputSql, new { Id = id, Output = json, cancellationToken }, tx), cancellationToken) == 1;

    public async Task<bool> SetConditionAsync(string id, bool condition, CancellationToken cancellationToken) =>
        await db.WriteAsync((c, tx) => c.ExecuteAsync(UpdateConditionSql, new { Id = id, Condition = condition, cancellationToken }, tx), cancellationToken) == 1;

    public Task<(CompleteOutcome Outcome, ExecutionRow? Row)> CompleteAsync(string id, string status, int? exitCode, string? error, long now, CancellationToken cancellationToken) =>
        db.WriteAsync(async (c, tx) =>
        {
            var changed = await c.ExecuteAsync(CompleteSql,
                new { Id = id, Status = status, ExitCode = exitCode, Error = error, CompletedAt = now, cancellationToken }, tx);
            var row = await c.QuerySingleOrDefaultAsync<ExecutionRow>(SelectSql, new { Id = id, cancellationToken }, tx);
            var outcome = row is null ? CompleteOutcome.NotFound
                : changed == 1 ? CompleteOutcome.Completed
                : row.Status == status ? CompleteOutcome.AlreadySame
                : CompleteOutcome.AlreadyOther;
            return (outcome, row);
        }, cancellationToken);
}
