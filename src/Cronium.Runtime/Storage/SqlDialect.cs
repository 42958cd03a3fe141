using System.Data.Common;
using System.Reflection;
using DbUp.Builder;
using DbUp.Engine;

namespace Cronium.Runtime.Storage;

/// <summary>
/// What differs between PostgreSQL and SQLite. The stores' SQL is shared and written for both:
/// text ids, epoch-millisecond times, ON CONFLICT upserts and RETURNING work the same in each. It owns the pool of
/// connections and is disposed with the app, so a runtime that stops closes every connection it opened rather than
/// leaving them idle on the server (for Npgsql's idle lifetime, 5 minutes).
/// </summary>
internal abstract class SqlDialect : IDisposable, IAsyncDisposable
{
    // Columns are snake_case (user_id), row properties PascalCase (UserId); every store reaches the data through a dialect.
    static SqlDialect() => Dapper.DefaultTypeMap.MatchNamesWithUnderscores = true;

    public abstract string Name { get; }

    public abstract DbDataSource DataSource { get; }

    public void Dispose() => DataSource.Dispose();

    public ValueTask DisposeAsync() => DataSource.DisposeAsync();

    /// <summary>SQLite has one writer at a time; taking turns in-process beats spinning on SQLITE_BUSY.</summary>
    public abstract bool SerializeWrites { get; }

    /// <summary>Whether a SELECT that must hold its row until the transaction ends says FOR UPDATE (SQLite's single writer already holds it).</summary>
    public abstract bool LocksRowsForUpdate { get; }

    public abstract void Migrate(ILogger logger);

    /// <summary>Appends audit rows in as few round trips as the engine allows.</summary>
    public abstract Task InsertAuditAsync(DbConnection connection, DbTransaction? transaction, IReadOnlyList<AuditEntry> entries, CancellationToken cancellationToken);

    /// <summary>Deletes the audit rows recorded before <paramref name="cutoff"/> (epoch ms); each engine stores them its own way.</summary>
    public abstract Task PruneAuditAsync(DbConnection connection, long cutoff, CancellationToken cancellationToken);

    protected static UpgradeEngineBuilder WithScripts(UpgradeEngineBuilder builder, string folder) =>
        builder.WithScriptsEmbeddedInAssembly(
            Assembly.GetExecutingAssembly(),
            name => name.Contains($".Storage.Migrations.{folder}.", StringComparison.Ordinal))
            .LogToNowhere();

    /// <summary>How many migrations this build carries for an engine.</summary>
    protected static int ScriptCount(string folder) =>
        Assembly.GetExecutingAssembly().GetManifestResourceNames().Count(name => name.Contains($".Storage.Migrations.{folder}.", StringComparison.Ordinal));

    protected static void Run(UpgradeEngine engine, ILogger logger, string what)
    {
        var result = engine.PerformUpgrade();
        if (!result.Successful)
            throw new InvalidOperationException($"Migrating the {what} store failed at {result.ErrorScript?.Name}: {result.Error?.Message}", result.Error);
        foreach (var script in result.Scripts)
            logger.LogInformation("Applied migration {Script} to the {Store} store", script.Name, what);
    }
}
