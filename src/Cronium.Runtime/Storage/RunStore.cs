using Dapper;

namespace Cronium.Runtime.Storage;

internal sealed class RunRow
{
    public string Id { get; set; } = "";
    public string Kind { get; set; } = "";
    public string Name { get; set; } = "";
    public string UserId { get; set; } = "";
    public string Status { get; set; } = "";
    public string? Input { get; set; }
    public string? Error { get; set; }
    public string Metadata { get; set; } = "{}";
    public long StartedAt { get; set; }
    public long? CompletedAt { get; set; }
    public long? CancelRequestedAt { get; set; }

    /// <summary>Written, never read back: the store refuses a second queued or running exclusive run of a definition.</summary>
    public bool Exclusive { get; set; }
}

/// <summary>A workflow node; input, output, condition and exit code are its last attempt's (joined from executions).</summary>
internal sealed class RunNodeRow
{
    public string RunId { get; set; } = "";
    public string NodeId { get; set; } = "";
    public int Position { get; set; }
    public string Kind { get; set; } = "";
    public string Status { get; set; } = "";
    public int Attempts { get; set; }
    public string? ExecutionId { get; set; }
    public string? Error { get; set; }
    public long? StartedAt { get; set; }
    public long? CompletedAt { get; set; }
    public string? Input { get; set; }
    public string? Output { get; set; }
    public bool? Condition { get; set; }
    public int? ExitCode { get; set; }
}

/// <summary>One row of a run's progress: the run itself, one of its nodes or one of its executions (<see cref="Part"/> says which).</summary>
internal sealed class RunProgressRow
{
    public string Part { get; set; } = "";
    public string Id { get; set; } = "";
    public string Status { get; set; } = "";
    public int Attempts { get; set; }
}

/// <summary>What a list of runs may be narrowed to; the cursor is the last row of the previous page.</summary>
internal sealed record RunFilter(string? Status, string? Kind, string? Name, (long StartedAt, string Id)? Before, int Take);

internal sealed class RunStore(DbScope db)
{
    public const string Running = "running";
    public const string Queued = "queued";
    public const string Cancelled = "cancelled";

    private const string RunColumns = "id, kind, name, user_id, status, input, error, metadata, started_at, completed_at, cancel_requested_at";

    // Conflicts only on runs_one_exclusive_active (ids are new): an exclusive run beside an active one is not made.
    private const string InsertRunSql = $"""
        INSERT INTO runs ({RunColumns}, is_exclusive)
        VALUES (@Id, @Kind, @Name, @UserId, @Status, @Input, @Error, @Metadata, @StartedAt, @CompletedAt, @CancelRequestedAt, @Exclusive)
        ON CONFLICT DO NOTHING
        """;

    private const string InsertNodeSql = """
        INSERT INTO run_nodes (run_id, node_id, position, kind, status, attempts, execution_id, error, started_at, completed_at)
        VALUES (@RunId, @NodeId, @Position, @Kind, @Status, @Attempts, @ExecutionId, @Error, @StartedAt, @CompletedAt)
        """;

    private const string SelectRunSql = $"SELECT {RunColumns} FROM runs WHERE id = @Id";

    private const string SelectNodesSql = """
        SELECT n.run_id, n.node_id, n.position, n.kind, n.status, n.attempts, n.execution_id, n.error, n.started_at, n.completed_at,
               e.input, e.output, e.condition, e.exit_code
        FROM run_nodes n LEFT JOIN executions e ON e.id = n.execution_id
        WHERE n.run_id = @RunId ORDER BY n.position
        """;

    private const string SelectNodeSql = """
        SELECT run_id, node_id, position, kind, status, attempts, execution_id, error, started_at, completed_at
        FROM run_nodes WHERE run_id = @RunId AND node_id = @NodeId
        """;

    private const string UpdateNodeSql = """
        UPDATE run_nodes SET status = @Status, attempts = @Attempts, execution_id = @ExecutionId, error = @Error,
                             started_at = @StartedAt, completed_at = @CompletedAt
        WHERE run_id = @RunId AND node_id = @NodeId
        """;

    private const string CompleteRunSql = """
        UPDATE runs SET status = @Status, error = @Error, completed_at = @CompletedAt WHERE id = @Id AND status = 'running'
        """;

    private const string StartRunSql = "UPDATE runs SET status = 'running' WHERE id = @Id AND status = 'queued'";

    // A queued run ends at once; a running one is asked to stop, and its worker ends it.
    private const string CancelQueuedSql = "UPDATE runs SET status = 'cancelled', completed_at = @Now, cancel_requested_at = @Now WHERE id = @Id AND status = 'queued'";
    private const string CancelRunningSql = "UPDATE runs SET cancel_requested_at = @Now WHERE id = @Id AND status = 'running' AND cancel_requested_at IS NULL";

    // What a follower compares between polls: small rows, no data columns (it orders them itself, ordinally).
    public const string ProgressOfRun = "run";
    public const string ProgressOfNode = "node";
    public const string ProgressOfExecution = "execution";

    private const string SelectProgressSql = $"""
        SELECT '{ProgressOfRun}' AS part, id AS id, status AS status, 0 AS attempts FROM runs WHERE id = @Id
        UNION ALL SELECT '{ProgressOfNode}', node_id, status, attempts FROM run_nodes WHERE run_id = @Id
        UNION ALL SELECT '{ProgressOfExecution}', id, status, 0 FROM executions WHERE run_id = @Id
        """;

    // The list's filters are fixed fragments joined in code: a NULL parameter PostgreSQL cannot type is never sent.
    private const string ListRunsSql = $"SELECT {RunColumns} FROM runs";
    private const string WhereStatus = "status = @Status";
    private const string WhereKind = "kind = @Kind";
    private const string WhereName = "name = @Name";
    private const string WhereBefore = "(started_at < @BeforeAt OR (started_at = @BeforeAt AND id < @BeforeId))";
    private const string ListOrder = " ORDER BY started_at DESC, id DESC LIMIT @Take";

    /// <summary>False when the run is exclusive and another exclusive run of its definition is queued or running.</summary>
    public Task<bool> InsertAsync(RunRow run, IReadOnlyList<RunNodeRow> nodes, CancellationToken cancellationToken) =>
        db.TransactionAsync(async (c, tx) =>
        {
            if (await c.ExecuteAsync(InsertRunSql, run, tx) == 0) return false;
            foreach (var node in nodes) await c.ExecuteAsync(InsertNodeSql, node, tx);
            return true;
        }, cancellationToken);

    public Task<RunRow?> GetAsync(string id, CancellationToken cancellationToken) =>
        db.ReadAsync((c, tx) => c.QuerySingleOrDefaultAsync<RunRow>(SelectRunSql, new { Id = id, cancellationToken }, tx), cancellationToken);

    public async Task<IReadOnlyList<RunNodeRow>> NodesAsync(string runId, CancellationToken cancellationToken) =>
        (await db.ReadAsync((c, tx) => c.QueryAsync<RunNodeRow>(SelectNodesSql, new { RunId = runId, cancellationToken }, tx), cancellationToken)).AsList();

    /// <summary>The run's status, its nodes' status and attempts, its executions' status: empty when the run is gone.</summary>
    public async Task<IReadOnlyList<RunProgressRow>> ProgressAsync(string runId, CancellationToken cancellationToken) =>
        (await db.ReadAsync((c, tx) => c.QueryAsync<RunProgressRow>(SelectProgressSql, new { Id = runId, cancellationToken }, tx), cancellationToken)).AsList();

    public async Task<IReadOnlyList<RunRow>> ListAsync(RunFilter filter, CancellationToken cancellationToken)
    {
        var where = new List<string>();
        if (filter.Status is not null) where.Add(WhereStatus);
        if (filter.Kind is not null) where.Add(WhereKind);
        if (filter.Name is not null) where.Add(WhereName);
        if (filter.Before is not null) where.Add(WhereBefore);
        var sql = ListRunsSql + (where.Count == 0 ? "" : " WHERE " + string.Join(" AND ", where)) + ListOrder;
        var parameters = new
        {
            filter.Status, filter.Kind, filter.Name, filter.Take,
            BeforeAt = filter.Before?.StartedAt ?? 0, BeforeId = filter.Before?.Id ?? "",
        };
        // No token among these parameters: with SQL built at run time, Dapper.AOT 1.1.0's generated code for one does not
        // compile. The connection still opens under the token, and a page of runs is one short indexed read.
        return (await db.ReadAsync((c, tx) => c.QueryAsync<RunRow>(sql, parameters, tx), cancellationToken)).AsList();
    }

    /// <summary>
    /// Moves a node to a new state while its run is running. The first move out of <c>pending</c> stamps its start,
    /// a final state its end. Null when the run or the node does not exist; the run's row says why a refusal was one.
    /// </summary>
    public Task<(RunRow? Run, RunNodeRow? Node)> UpdateNodeAsync(string runId, string nodeId, NodeUpdate update, long now, CancellationToken cancellationToken) =>
        db.TransactionAsync<(RunRow?, RunNodeRow?)>(async (c, tx) =>
        {
            var run = await c.QuerySingleOrDefaultAsync<RunRow>(SelectRunSql, new { Id = runId, cancellationToken }, tx);
            if (run is null || run.Status != Running) return (run, null);
            var node = await c.QuerySingleOrDefaultAsync<RunNodeRow>(SelectNodeSql, new { RunId = runId, NodeId = nodeId, cancellationToken }, tx);
            if (node is null) return (run, null);
            node.Status = update.Status;
            node.Attempts = update.Attempts ?? node.Attempts;
            node.ExecutionId = update.ExecutionId ?? node.ExecutionId;
            node.Error = update.Error;
            if (update.Status is not (NodeStatuses.Pending or NodeStatuses.Skipped)) node.StartedAt ??= now;
            node.CompletedAt = NodeStatuses.IsFinal(update.Status) ? now : null;
            await c.ExecuteAsync(UpdateNodeSql, node, tx);
            return (run, node);
        }, cancellationToken);

    /// <summary>A queued run becomes running, with its nodes; the row as it is after (unchanged when it was not queued).</summary>
    public Task<(bool Started, RunRow? Row)> StartAsync(string id, IReadOnlyList<RunNodeRow> nodes, CancellationToken cancellationToken) =>
        db.TransactionAsync<(bool, RunRow?)>(async (c, tx) =>
        {
            var started = await c.ExecuteAsync(StartRunSql, new { Id = id, cancellationToken }, tx) == 1;
            if (started)
                foreach (var node in nodes) await c.ExecuteAsync(InsertNodeSql, node, tx);
            return (started, await c.QuerySingleOrDefaultAsync<RunRow>(SelectRunSql, new { Id = id, cancellationToken }, tx));
        }, cancellationToken);

    /// <summary>Cancels a queued run, or marks a running one for its worker to stop; the row as it is after.</summary>
    public Task<RunRow?> CancelAsync(string id, long now, CancellationToken cancellationToken) =>
        db.TransactionAsync(async (c, tx) =>
        {
            await c.ExecuteAsync(CancelQueuedSql, new { Id = id, Now = now, cancellationToken }, tx);
            await c.ExecuteAsync(CancelRunningSql, new { Id = id, Now = now, cancellationToken }, tx);
            return await c.QuerySingleOrDefaultAsync<RunRow>(SelectRunSql, new { Id = id, cancellationToken }, tx);
        }, cancellationToken);

    public Task<(CompleteOutcome Outcome, RunRow? Row)> CompleteAsync(string id, string status, string? error, long now, CancellationToken cancellationToken) =>
        db.TransactionAsync(async (c, tx) =>
        {
            var changed = await c.ExecuteAsync(CompleteRunSql, new { Id = id, Status = status, Error = error, CompletedAt = now, cancellationToken }, tx);
            var row = await c.QuerySingleOrDefaultAsync<RunRow>(SelectRunSql, new { Id = id, cancellationToken }, tx);
            var outcome = row is null ? CompleteOutcome.NotFound
                : changed == 1 ? CompleteOutcome.Completed
                : row.Status == status ? CompleteOutcome.AlreadySame
                : CompleteOutcome.AlreadyOther;
            return (outcome, row);
        }, cancellationToken);
}

internal sealed record NodeUpdate(string Status, int? Attempts, string? ExecutionId, string? Error);

internal static class NodeStatuses
{
    public const string Pending = "pending";
    public const string Running = "running";
    public const string Skipped = "skipped";

    public static readonly string[] All = ["pending", "running", "succeeded", "failed", "timed_out", "cancelled", "skipped"];

    public static bool IsFinal(string status) => status is not (Pending or Running);
}
