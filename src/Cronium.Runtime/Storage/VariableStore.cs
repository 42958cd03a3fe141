using Dapper;

namespace Cronium.Runtime.Storage;

internal sealed class VariableRow
{
    public string Key { get; set; } = "";
    public string? Value { get; set; }
    public long Version { get; set; }
    public bool Deleted { get; set; }
    public long UpdatedAt { get; set; }
}

internal sealed class VariableVersionRow
{
    public string Key { get; set; } = "";
    public long Version { get; set; }
    public long UpdatedAt { get; set; }
}

internal sealed class WrittenVersion
{
    public long Version { get; set; }
    public long UpdatedAt { get; set; }
}

/// <summary>The outcome of a write: the new version, or on a failed compare-and-set the version now stored (0 = none).</summary>
internal readonly record struct VariableWrite(bool Written, long Version, long UpdatedAt);

/// <summary>
/// Variables belong to a user. Every write is one atomic statement that bumps <c>version</c>, so concurrent
/// writers never lose an update; a delete leaves a tombstone so versions only ever grow, and a key made again
/// after its tombstone was pruned starts above the user's floor.
/// </summary>
internal sealed class VariableStore(DbScope db)
{
    private const string SelectSql = """
        SELECT key, value, version, deleted, updated_at FROM variables WHERE user_id = @UserId AND key = @Key
        """;

    // A new row starts above the user's floor (see Maintenance): versions never go back, even after a prune.
    private const string FirstVersion = "1 + COALESCE((SELECT version FROM variable_floors WHERE user_id = @UserId), 0)";

    private const string UpsertSql = $"""
        INSERT INTO variables (user_id, key, value, version, deleted, updated_at)
        VALUES (@UserId, @Key, @Value, {FirstVersion}, false, @Now)
        ON CONFLICT (user_id, key) DO UPDATE
            SET value = excluded.value, version = variables.version + 1, deleted = false, updated_at = excluded.updated_at
        RETURNING version, updated_at
        """;

    // ifVersion = 0: only when absent, or present only as a tombstone.
    private const string InsertIfAbsentSql = $"""
        INSERT INTO variables (user_id, key, value, version, deleted, updated_at)
        VALUES (@UserId, @Key, @Value, {FirstVersion}, false, @Now)
        ON CONFLICT (user_id, key) DO UPDATE
            SET value = excluded.value, version = variables.version + 1, deleted = false, updated_at = excluded.updated_at
            WHERE variables.deleted
        RETURNING version, updated_at
        """;

    private const string UpdateIfVersionSql = """
        UPDATE variables SET value = @Value, version = version + 1, updated_at = @Now
        WHERE user_id = @UserId AND key = @Key AND version = @IfVersion AND NOT deleted
        RETURNING version, updated_at
        """;

    private const string DeleteSql = """
        UPDATE variables SET value = NULL, deleted = true, version = version + 1, updated_at = @Now
        WHERE user_id = @UserId AND key = @Key AND NOT deleted
        RETURNING version, updated_at
        """;

    // Keys only use [A-Za-z0-9_.:-], all below '~', so [prefix, prefix + '~') is exactly "starts with prefix" in byte order.
    private const string ListSql = """
        SELECT key, version, updated_at FROM variables
        WHERE user_id = @UserId AND NOT deleted AND key >= @From AND key < @To AND key > @After
        ORDER BY key
        LIMIT @Take
        """;

    public Task<VariableRow?> GetAsync(string userId, string key, CancellationToken cancellationToken) =>
        db.ReadAsync((c, tx) => c.QuerySingleOrDefaultAsync<VariableRow>(
            SelectSql, new { UserId = userId, Key = key, cancellationToken }, tx), cancellationToken);

    public Task<VariableWrite> SetAsync(string userId, string key, string json, long? ifVersion, long now, CancellationToken cancellationToken) =>
        db.WriteAsync(async (c, tx) =>
        {
            // Three calls rather than one with the SQL picked at run time: Dapper.AOT reads each query's SQL at build time.
            var written = ifVersion switch
            {
                null => await c.QuerySingleOrDefaultAsync<WrittenVersion>(UpsertSql, new { UserId = userId, Key = key, Value = json, Now = now, cancellationToken }, tx),
                0 => await c.QuerySingleOrDefaultAsync<WrittenVersion>(InsertIfAbsentSql, new { UserId = userId, Key = key, Value = json, Now = now, cancellationToken }, tx),
                _ => await c.QuerySingleOrDefaultAsync<WrittenVersion>(UpdateIfVersionSql, new { UserId = userId, Key = key, Value = json, Now = now, IfVersion = ifVersion, cancellationToken }, tx),
            };
            if (written is not null) return new VariableWrite(true, written.Version, written.UpdatedAt);
            var current = await c.QuerySingleOrDefaultAsync<VariableRow>(SelectSql, new { UserId = userId, Key = key, cancellationToken }, tx);
            return new VariableWrite(false, current is null || current.Deleted ? 0 : current.Version, 0);
        }, cancellationToken);

    /// <summary>The tombstone's version, or null when there was nothing to delete.</summary>
    public Task<WrittenVersion?> DeleteAsync(string userId, string key, long now, CancellationToken cancellationToken) =>
        db.WriteAsync((c, tx) => c.QuerySingleOrDefaultAsync<WrittenVersion>(
            DeleteSql, new { UserId = userId, Key = key, Now = now, cancellationToken }, tx), cancellationToken);

    public async Task<IReadOnlyList<VariableVersionRow>> ListAsync(string userId, string prefix, string? after, int take, CancellationToken cancellationToken) =>
        (await db.ReadAsync((c, tx) => c.QueryAsync<VariableVersionRow>(ListSql, new { UserId = userId, From = prefix, To = prefix + "~", After = after ?? "", Take = take, cancellationToken }, tx), cancellationToken)).AsList();
}
