using Dapper;

namespace Cronium.Runtime.Storage;

internal sealed class IdempotencyRow
{
    public string RequestHash { get; set; } = "";
    public int StatusCode { get; set; }
    public string? ResponseBody { get; set; }
    public long CreatedAt { get; set; }

    /// <summary>Claimed by a request still running (its answer not yet recorded).</summary>
    public bool InProgress => StatusCode == 0;
}

/// <summary>
/// Remembered answers to writes, keyed by (scope, Idempotency-Key): inside the write's own transaction, or, for a
/// call that leaves the runtime (a tool action), as a claim committed first, answered or released after.
/// </summary>
internal sealed class IdempotencyStore(DbScope db)
{
    // Claiming inserts a placeholder in the open transaction: a concurrent retry with the same key waits on it.
    private const string ClaimSql = """
        INSERT INTO idempotency_keys (scope, key, request_hash, status_code, response_body, created_at)
        VALUES (@Scope, @Key, @RequestHash, 0, NULL, @Now)
        ON CONFLICT (scope, key) DO NOTHING
        """;

    private const string SelectSql = """
        SELECT request_hash, status_code, response_body, created_at FROM idempotency_keys WHERE scope = @Scope AND key = @Key
        """;

    private const string SaveSql = """
        UPDATE idempotency_keys SET status_code = @StatusCode, response_body = @ResponseBody WHERE scope = @Scope AND key = @Key
        """;

    // A claim whose request died (a crash mid-send) is taken over once it is older than any send can last.
    private const string TakeOverSql = """
        UPDATE idempotency_keys SET created_at = @Now, request_hash = @RequestHash
        WHERE scope = @Scope AND key = @Key AND status_code = 0 AND created_at = @ClaimedAt
        """;

    private const string ReleaseSql = "DELETE FROM idempotency_keys WHERE scope = @Scope AND key = @Key AND status_code = 0";

    /// <summary>Null when this call claimed the key; otherwise the earlier request's record.</summary>
    public Task<IdempotencyRow?> ClaimAsync(string scope, string key, string requestHash, long now, CancellationToken cancellationToken) =>
        db.WriteAsync(async (c, tx) =>
        {
            var claimed = await c.ExecuteAsync(ClaimSql,
                new { Scope = scope, Key = key, RequestHash = requestHash, Now = now, cancellationToken }, tx);
            return claimed == 1
                ? null
                : await c.QuerySingleAsync<IdempotencyRow>(SelectSql, new { Scope = scope, Key = key, cancellationToken }, tx);
        }, cancellationToken);

    public async Task<bool> TakeOverAsync(string scope, string key, string requestHash, long claimedAt, long now, CancellationToken cancellationToken) =>
        await db.WriteAsync((c, tx) => c.ExecuteAsync(TakeOverSql,
            new { Scope = scope, Key = key, RequestHash = requestHash, ClaimedAt = claimedAt, Now = now, cancellationToken }, tx), cancellationToken) == 1;

    /// <summary>Gives up a claim whose request did not succeed, so a retry with the same key may run.</summary>
    public Task ReleaseAsync(string scope, string key) =>
        db.WriteAsync((c, tx) => c.ExecuteAsync(ReleaseSql, new { Scope = scope, Key = key }, tx), CancellationToken.None);

    public Task SaveAsync(string scope, string key, int statusCode, string? responseBody, CancellationToken cancellationToken) =>
        db.WriteAsync((c, tx) => c.ExecuteAsync(SaveSql,
            new { Scope = scope, Key = key, StatusCode = statusCode, ResponseBody = responseBody, cancellationToken }, tx), cancellationToken);
}
