using Dapper;

namespace Cronium.Runtime.Storage;

internal sealed class CredentialRow
{
    public string Name { get; set; } = "";
    public string Tool { get; set; } = "";
    public string KeyId { get; set; } = "";
    public string Secret { get; set; } = "";
    public long UpdatedAt { get; set; }
}

internal sealed class CredentialSummaryRow
{
    public string Name { get; set; } = "";
    public string Tool { get; set; } = "";
    public long UpdatedAt { get; set; }
}

/// <summary>Tool credentials, stored only as ciphertext (see ToolActions/CredentialCipher).</summary>
internal sealed class CredentialStore(DbScope db)
{
    private const string UpsertSql = """
        INSERT INTO tool_credentials (user_id, name, tool, key_id, secret, updated_at)
        VALUES (@UserId, @Name, @Tool, @KeyId, @Secret, @UpdatedAt)
        ON CONFLICT (user_id, name) DO UPDATE
            SET tool = excluded.tool, key_id = excluded.key_id, secret = excluded.secret, updated_at = excluded.updated_at
        """;

    private const string SelectSql = """
        SELECT name, tool, key_id, secret, updated_at FROM tool_credentials WHERE user_id = @UserId AND name = @Name
        """;

    private const string ListSql = """
        SELECT name, tool, updated_at FROM tool_credentials WHERE user_id = @UserId ORDER BY name
        """;

    private const string DeleteSql = "DELETE FROM tool_credentials WHERE user_id = @UserId AND name = @Name";

    public Task PutAsync(string userId, CredentialRow row, CancellationToken cancellationToken) =>
        db.WriteAsync((c, tx) => c.ExecuteAsync(UpsertSql,
            new { UserId = userId, row.Name, row.Tool, row.KeyId, row.Secret, row.UpdatedAt, cancellationToken }, tx), cancellationToken);

    public Task<CredentialRow?> GetAsync(string userId, string name, CancellationToken cancellationToken) =>
        db.ReadAsync((c, tx) => c.QuerySingleOrDefaultAsync<CredentialRow>(
            SelectSql, new { UserId = userId, Name = name, cancellationToken }, tx), cancellationToken);

    public async Task<IReadOnlyList<CredentialSummaryRow>> ListAsync(string userId, CancellationToken cancellationToken) =>
        (await db.ReadAsync((c, tx) => c.QueryAsync<CredentialSummaryRow>(
            ListSql, new { UserId = userId, cancellationToken }, tx), cancellationToken)).AsList();

    public async Task<bool> DeleteAsync(string userId, string name, CancellationToken cancellationToken) =>
        await db.WriteAsync((c, tx) => c.ExecuteAsync(DeleteSql,
            new { UserId = userId, Name = name, cancellationToken }, tx), cancellationToken) == 1;
}
