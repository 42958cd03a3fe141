using System.Data.Common;
using DbUp;
using Npgsql;
using NpgsqlTypes;

namespace Cronium.Runtime.Storage;

internal sealed class PostgresDialect(string connectionString) : SqlDialect
{
    // Any fixed number: every instance takes the same advisory lock before migrating, so two that start together take turns.
    private const long MigrationLockId = 0x43524F4E49554D; // "CRONIUM"

    /// <summary>What <see cref="WithAutoPrepare"/> sets when the connection string says nothing of it.</summary>
    internal const int DefaultMaxAutoPrepare = 32;

    private readonly NpgsqlDataSource dataSource = new NpgsqlDataSourceBuilder(WithAutoPrepare(connectionString)).Build();

    /// <summary>
    /// The runtime's statements are a fixed set of constants, so each connection prepares those it runs often (Npgsql's
    /// auto-prepare: parsed and planned once per connection, not on every call). Under bench/runtime.sh, side by side:
    /// setVariable 1810-1868 -> 2046-2073 a second and its p99 46-49 -> 41-42 ms, PostgreSQL's CPU 330 -> 267 µs a call.
    /// A connection string that sets <c>Max Auto Prepare</c> keeps its own value (0 turns it off, as a pooler without
    /// prepared statements needs).
    /// </summary>
    internal static string WithAutoPrepare(string connectionString)
    {
        // The base builder keeps only the keys the string names: Npgsql's own reports every key it knows.
        var named = new DbConnectionStringBuilder { ConnectionString = connectionString };
        if (named.ContainsKey("Max Auto Prepare") || named.ContainsKey("MaxAutoPrepare")) return connectionString;
        return new NpgsqlConnectionStringBuilder(connectionString) { MaxAutoPrepare = DefaultMaxAutoPrepare }.ConnectionString;
    }

    public override string Name => "postgres";

    public override DbDataSource DataSource => dataSource;

    public override bool SerializeWrites => false;

    public override bool LocksRowsForUpdate => true;

    public override void Migrate(ILogger logger)
    {
        using var connection = dataSource.OpenConnection();
        using (var take = new NpgsqlCommand("SELECT pg_advisory_lock(@id)", connection))
        {
            take.Parameters.AddWithValue("id", MigrationLockId);
            take.ExecuteNonQuery();
        }
        try
        {
            // DbUp opens connections of its own; unpooled, they close when it is done instead of idling for minutes.
            var unpooled = new NpgsqlConnectionStringBuilder(connectionString) { Pooling = false }.ConnectionString;
            var engine = WithScripts(DeployChanges.To.PostgresqlDatabase(unpooled), "Postgres")
                .JournalToPostgresqlTable("public", "schema_versions")
                .WithTransactionPerScript()
                .Build();
            Run(engine, logger, "PostgreSQL");
        }
        finally
        {
            using var release = new NpgsqlCommand("SELECT pg_advisory_unlock(@id)", connection);
            release.Parameters.AddWithValue("id", MigrationLockId);
            release.ExecuteNonQuery();
        }
    }

    private const string CopyAudit = "COPY audit_log (execution_id, user_id, operation, key, status, code, at) FROM STDIN (FORMAT BINARY)";

    public override async Task InsertAuditAsync(DbConnection connection, DbTransaction? transaction, IReadOnlyList<AuditEntry> entries, CancellationToken cancellationToken)
    {
        await using var import = await ((NpgsqlConnection)connection).BeginBinaryImportAsync(CopyAudit, cancellationToken);
        foreach (var e in entries) WriteRow(import, e);
        await import.CompleteAsync(cancellationToken);
    }

    /// <summary>
    /// Into the importer's buffer with the synchronous calls, which send only when it is full (a write to the server's
    /// socket, from the audit writer's background loop). The asynchronous ones made a state machine per value, seven a
    /// row, a thousand rows a batch: bench/runtime.sh's getVariable cost the runtime 31-34 µs of CPU a call with them,
    /// 28-31 µs without (the runs of one day).
    /// </summary>
    private static void WriteRow(NpgsqlBinaryImporter import, AuditEntry e)
    {
        import.StartRow();
        import.Write(e.ExecutionId, NpgsqlDbType.Text);
        WriteNullable(import, e.UserId);
        import.Write(e.Operation, NpgsqlDbType.Text);
        WriteNullable(import, e.Key);
        import.Write(e.Status, NpgsqlDbType.Integer);
        WriteNullable(import, e.Code);
        import.Write(e.At, NpgsqlDbType.Bigint);
    }

    private static void WriteNullable(NpgsqlBinaryImporter import, string? value)
    {
        if (value is null) import.WriteNull();
        else import.Write(value, NpgsqlDbType.Text);
    }
}
