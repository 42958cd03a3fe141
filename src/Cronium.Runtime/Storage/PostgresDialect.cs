using System.Data.Common;
using DbUp;
using Npgsql;
using NpgsqlTypes;

namespace Cronium.Runtime.Storage;

internal sealed class PostgresDialect(string connectionString) : SqlDialect
{
    // Any fixed number: every instance takes the same advisory lock before migrating, so two that start together take turns.
    private const long MigrationLockId = 0x43524F4E49554D; // "CRONIUM"

    private readonly NpgsqlDataSource dataSource = new NpgsqlDataSourceBuilder(connectionString).Build();

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

    public override async Task InsertAuditAsync(DbConnection connection, DbTransaction? transaction, IReadOnlyList<AuditEntry> entries, CancellationToken cancellationToken)
    {
        var npgsql = (NpgsqlConnection)connection;
        await using var import = await npgsql.BeginBinaryImportAsync(
            "COPY audit_log (execution_id, user_id, operation, key, status, code, at) FROM STDIN (FORMAT BINARY)", cancellationToken);
        foreach (var e in entries)
        {
            await import.StartRowAsync(cancellationToken);
            await import.WriteAsync(e.ExecutionId, NpgsqlDbType.Text, cancellationToken);
            await WriteNullable(import, e.UserId, cancellationToken);
            await import.WriteAsync(e.Operation, NpgsqlDbType.Text, cancellationToken);
            await WriteNullable(import, e.Key, cancellationToken);
            await import.WriteAsync(e.Status, NpgsqlDbType.Integer, cancellationToken);
            await WriteNullable(import, e.Code, cancellationToken);
            await import.WriteAsync(e.At, NpgsqlDbType.Bigint, cancellationToken);
        }
        await import.CompleteAsync(cancellationToken);
    }

    private static Task WriteNullable(NpgsqlBinaryImporter import, string? value, CancellationToken cancellationToken) =>
        value is null ? import.WriteNullAsync(cancellationToken) : import.WriteAsync(value, NpgsqlDbType.Text, cancellationToken);
}
