using System.Data.Common;
using Dapper;
using DbUp;
using Microsoft.Data.Sqlite;

namespace Cronium.Runtime.Storage;

internal sealed class SqliteDialect : SqlDialect
{
    private const string InsertAudit = """
        INSERT INTO audit_log (execution_id, user_id, operation, key, status, code, at)
        VALUES (@ExecutionId, @UserId, @Operation, @Key, @Status, @Code, @At)
        """;

    private const string PruneAudit = "DELETE FROM audit_log WHERE at < @Cutoff";

    private readonly SqliteDataSource dataSource;
    private readonly string connectionString;

    public SqliteDialect(string path)
    {
        var full = Path.GetFullPath(path);
        PrepareFile(full);
        connectionString = new SqliteConnectionStringBuilder
        {
            DataSource = full,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Pooling = true,
            DefaultTimeout = 30,
        }.ToString();
        dataSource = new SqliteDataSource(connectionString);
    }

    public override string Name => "sqlite";

    /// <summary>
    /// The store holds every user's variables and output: a folder it creates is 0700 and a file it creates 0600
    /// (SQLite gives its -wal and -shm files the database file's mode). Existing ones are the operator's to set.
    /// </summary>
    private static void PrepareFile(string full)
    {
        var folder = Path.GetDirectoryName(full)!;
        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(folder);
            return;
        }
        if (!Directory.Exists(folder)) Directory.CreateDirectory(folder, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        if (File.Exists(full)) return;
        try
        {
            using var _ = new FileStream(full, new FileStreamOptions
            {
                Mode = FileMode.CreateNew, Access = FileAccess.Write, UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
            });
        }
        catch (IOException) when (File.Exists(full))
        {
            // Another process created it first: it is theirs to have set up.
        }
    }

    public override DbDataSource DataSource => dataSource;

    public override bool SerializeWrites => true;

    public override bool LocksRowsForUpdate => false;

    public override void Migrate(ILogger logger)
    {
        var scripts = ScriptCount("Sqlite");
        // A file already at the latest schema skips DbUp altogether: cronium run opens this store on every run.
        if (SchemaVersion() == scripts) return;
        // Several processes may open a new file at once (two cronium commands on a fresh machine): one migrates
        // while the others wait, then find it current.
        using var turn = MigrationLock(TimeSpan.FromSeconds(60));
        if (SchemaVersion() == scripts) return;
        using (var connection = dataSource.OpenConnection())
        {
            // WAL lets readers run beside the one writer; it is a property of the file, set once.
            connection.Execute("PRAGMA journal_mode=WAL;");
        }
        var engine = WithScripts(DeployChanges.To.SqliteDatabase(connectionString), "Sqlite")
            .JournalToSqliteTable("schema_versions")
            .WithTransactionPerScript()
            .Build();
        Run(engine, logger, "SQLite");
        using (var connection = dataSource.OpenConnection())
            connection.Execute($"PRAGMA user_version = {scripts};");
    }

    private long SchemaVersion()
    {
        using var connection = dataSource.OpenConnection();
        return connection.ExecuteScalar<long>("PRAGMA user_version;");
    }

    /// <summary>
    /// An exclusive lock on a file beside the store (flock, taken by FileShare.None), never on the store itself:
    /// closing another handle to the database would drop SQLite's own locks on it.
    /// </summary>
    private FileStream MigrationLock(TimeSpan timeout)
    {
        var path = new SqliteConnectionStringBuilder(connectionString).DataSource + ".migrate-lock";
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            try
            {
                var options = new FileStreamOptions { Mode = FileMode.OpenOrCreate, Access = FileAccess.ReadWrite, Share = FileShare.None };
                if (!OperatingSystem.IsWindows()) options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
                return new FileStream(path, options);
            }
            catch (IOException) when (DateTime.UtcNow < deadline)
            {
                Thread.Sleep(50);
            }
        }
    }

    public override async Task InsertAuditAsync(DbConnection connection, DbTransaction? transaction, IReadOnlyList<AuditEntry> entries, CancellationToken cancellationToken)
    {
        foreach (var entry in entries) await connection.ExecuteAsync(InsertAudit, entry, transaction);
    }

    public override Task PruneAuditAsync(DbConnection connection, long cutoff, CancellationToken cancellationToken) =>
        connection.ExecuteAsync(PruneAudit, new { Cutoff = cutoff, cancellationToken });
}

/// <summary>Microsoft.Data.Sqlite has no DbDataSource; this one also sets the per-connection pragmas.</summary>
internal sealed class SqliteDataSource(string connectionString) : DbDataSource
{
    public override string ConnectionString => connectionString;

    protected override DbConnection CreateDbConnection() => new SqliteConnection(connectionString);

    protected override DbConnection OpenDbConnection()
    {
        var connection = CreateDbConnection();
        connection.Open();
        Configure(connection);
        return connection;
    }

    protected override async ValueTask<DbConnection> OpenDbConnectionAsync(CancellationToken cancellationToken = default)
    {
        var connection = CreateDbConnection();
        await connection.OpenAsync(cancellationToken);
        Configure(connection);
        return connection;
    }

    private static void Configure(DbConnection connection)
    {
        using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=30000;";
        command.ExecuteNonQuery();
    }
}
