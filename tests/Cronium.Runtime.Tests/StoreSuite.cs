using System.Globalization;
using System.Text.RegularExpressions;
using Cronium.Runtime.Storage;
using Cronium.Runtime.Tests.Infrastructure;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace Cronium.Runtime.Tests;

/// <summary>One store suite, run against both engines: PostgreSQL and the embedded SQLite default.</summary>
public abstract class StoreSuite
{
    private readonly WriteTurns turns = new();

    private protected abstract SqlDialect Dialect { get; }

    private protected DbScope Scope() => new(Dialect, turns);

    private protected VariableStore Variables() => new(Scope());

    [Fact]
    public async Task UpsertCreatesAtVersionOneAndEveryWriteBumpsVersion()
    {
        var user = TestServices.UniqueUser();
        var store = Variables();

        var first = await store.SetAsync(user, "k", "\"a\"", null, 1000, default);
        var second = await store.SetAsync(user, "k", "{\"b\":[1,2]}", null, 2000, default);

        Assert.Equal(new VariableWrite(true, 1, 1000), first);
        Assert.Equal(new VariableWrite(true, 2, 2000), second);
        var row = await store.GetAsync(user, "k", default);
        Assert.Equal("{\"b\":[1,2]}", row!.Value);
        Assert.Equal(2, row.Version);
        Assert.False(row.Deleted);
    }

    [Fact]
    public async Task IfVersionZeroOnlyCreatesWhenAbsent()
    {
        var user = TestServices.UniqueUser();
        var store = Variables();

        var created = await store.SetAsync(user, "k", "1", 0, 1, default);
        var refused = await store.SetAsync(user, "k", "2", 0, 2, default);

        Assert.True(created.Written);
        Assert.Equal(new VariableWrite(false, 1, 0), refused);
        Assert.Equal("1", (await store.GetAsync(user, "k", default))!.Value);
    }

    [Fact]
    public async Task AVariableMadeAgainAfterItsTombstoneWasPrunedStartsAboveEveryVersionItHad()
    {
        var user = TestServices.UniqueUser();
        var store = Variables();
        var now = Time.ToMs(DateTimeOffset.UtcNow);
        await store.SetAsync(user, "k", "1", null, now, default);
        await store.SetAsync(user, "k", "2", null, now, default);
        var tombstone = await store.DeleteAsync(user, "k", now, default);
        await store.SetAsync(user, "other", "1", 0, now, default);
        await store.DeleteAsync(user, "other", now, default);

        await Pruning.PruneAsOfAsync(Dialect, TimeSpan.FromDays(2));
        var pruned = await store.GetAsync(user, "k", default);
        var upserted = await store.SetAsync(user, "k", "3", null, now, default);
        var stale = await store.SetAsync(user, "k", "stale", 1, now, default);
        var created = await store.SetAsync(user, "other", "2", 0, now, default);
        var newcomer = await store.SetAsync(TestServices.UniqueUser(), "k", "1", null, now, default);

        Assert.Equal(3, tombstone!.Version);
        Assert.Null(pruned);
        Assert.Equal((true, 4L), (upserted.Written, upserted.Version));
        Assert.Equal(new VariableWrite(false, 4, 0), stale);
        Assert.Equal((true, 4L), (created.Written, created.Version));
        Assert.Equal(1, newcomer.Version);
    }

    [Fact]
    public async Task IfVersionMismatchWritesNothingAndReportsCurrentVersion()
    {
        var user = TestServices.UniqueUser();
        var store = Variables();
        await store.SetAsync(user, "k", "1", null, 1, default);
        await store.SetAsync(user, "k", "2", null, 2, default);

        var stale = await store.SetAsync(user, "k", "3", 1, 3, default);
        var fresh = await store.SetAsync(user, "k", "4", 2, 4, default);

        Assert.Equal(new VariableWrite(false, 2, 0), stale);
        Assert.Equal(new VariableWrite(true, 3, 4), fresh);
        Assert.Equal("4", (await store.GetAsync(user, "k", default))!.Value);
    }

    [Fact]
    public async Task DeleteLeavesTombstoneSoVersionsKeepGrowing()
    {
        var user = TestServices.UniqueUser();
        var store = Variables();
        await store.SetAsync(user, "k", "1", null, 1, default);

        var deleted = await store.DeleteAsync(user, "k", 2, default);
        var again = await store.DeleteAsync(user, "k", 3, default);
        var staleCas = await store.SetAsync(user, "k", "x", 1, 4, default);
        var recreated = await store.SetAsync(user, "k", "2", 0, 5, default);

        Assert.Equal(2, deleted!.Version);
        Assert.Null(again);
        Assert.False(staleCas.Written);
        Assert.Equal(0, staleCas.Version);
        Assert.Equal(new VariableWrite(true, 3, 5), recreated);
    }

    [Fact]
    public async Task ListFiltersByPrefixSkipsDeletedAndPagesInKeyOrder()
    {
        var user = TestServices.UniqueUser();
        var store = Variables();
        foreach (var key in new[] { "app.b", "app.a", "app:c", "apple", "other", "app.z" })
            await store.SetAsync(user, key, "1", null, 1, default);
        await store.DeleteAsync(user, "app.z", 2, default);
        await store.SetAsync(TestServices.UniqueUser(), "app.x", "1", null, 1, default);

        var all = await store.ListAsync(user, "app", null, 100, default);
        var dotted = await store.ListAsync(user, "app.", null, 100, default);
        var page = await store.ListAsync(user, "", "app.b", 2, default);

        Assert.Equal(["app.a", "app.b", "app:c", "apple"], all.Select(r => r.Key));
        Assert.Equal(["app.a", "app.b"], dotted.Select(r => r.Key));
        Assert.Equal(["app:c", "apple"], page.Select(r => r.Key));
    }

    [Fact]
    public async Task HundredConcurrentWritersToOneKeyLoseNoUpdate()
    {
        var user = TestServices.UniqueUser();
        await Task.WhenAll(Enumerable.Range(0, 100).Select(i => Task.Run(() => Variables().SetAsync(user, "hot", i.ToString(), null, i, default))));

        var row = await Variables().GetAsync(user, "hot", default);
        Assert.Equal(100, row!.Version);
    }

    [Fact]
    public async Task HundredConcurrentCompareAndSetIncrementsAllLand()
    {
        var user = TestServices.UniqueUser();
        await Variables().SetAsync(user, "counter", "0", null, 0, default);

        await Task.WhenAll(Enumerable.Range(0, 100).Select(_ => Task.Run(async () =>
        {
            while (true)
            {
                var store = Variables();
                var current = (await store.GetAsync(user, "counter", default))!;
                var next = (long.Parse(current.Value!) + 1).ToString();
                if ((await store.SetAsync(user, "counter", next, current.Version, 1, default)).Written) return;
            }
        })));

        var row = await Variables().GetAsync(user, "counter", default);
        Assert.Equal("100", row!.Value);
        Assert.Equal(101, row.Version);
    }

    [Fact]
    public async Task CompletingAnExecutionIsOnceThenReportsWhatItAlreadyIs()
    {
        var store = new ExecutionStore(Scope());
        var row = NewExecution();
        await store.InsertAsync(row, default);

        var first = await store.CompleteAsync(row.Id, "failed", 3, "boom", 10, default);
        var same = await store.CompleteAsync(row.Id, "failed", 3, null, 11, default);
        var other = await store.CompleteAsync(row.Id, "succeeded", 0, null, 12, default);
        var missing = await store.CompleteAsync("no-such-id", "failed", 1, null, 13, default);

        Assert.Equal(CompleteOutcome.Completed, first.Outcome);
        Assert.Equal((3, "boom", 10L), (first.Row!.ExitCode, first.Row.Error, first.Row.CompletedAt!.Value));
        Assert.Equal(CompleteOutcome.AlreadySame, same.Outcome);
        Assert.Equal(CompleteOutcome.AlreadyOther, other.Outcome);
        Assert.Equal(CompleteOutcome.NotFound, missing.Outcome);
        Assert.False(await store.SetOutputAsync(row.Id, "1", default));
        Assert.False(await store.SetConditionAsync(row.Id, true, default));
    }

    [Fact]
    public async Task ExecutionRoundTripsEveryColumn()
    {
        var store = new ExecutionStore(Scope());
        var row = NewExecution();
        await store.InsertAsync(row, default);
        Assert.True(await store.SetOutputAsync(row.Id, "{\"out\":\"é\"}", default));
        Assert.True(await store.SetConditionAsync(row.Id, true, default));

        var read = (await store.GetAsync(row.Id, default))!;
        var state = (await store.GetStateAsync(row.Id, default))!;

        Assert.Equal(row.Input, read.Input);
        Assert.Equal("{\"out\":\"é\"}", read.Output);
        Assert.True(read.Condition);
        Assert.Equal((row.UserId, row.JobId, row.EventId, row.EventName, row.EventType, row.Workflow, row.Metadata),
            (read.UserId, read.JobId, read.EventId, read.EventName, read.EventType, read.Workflow, read.Metadata));
        Assert.Equal((row.StartedAt, row.Deadline, row.TokenExpiresAt, row.TokenId), (read.StartedAt, read.Deadline, read.TokenExpiresAt, read.TokenId));
        Assert.Equal(("running", row.TokenExpiresAt), (state.Status, state.TokenExpiresAt));
        Assert.Null(read.CompletedAt);
    }

    [Fact]
    public async Task IdempotencyClaimIsExclusiveUntilRolledBack()
    {
        var scope = Scope();
        var store = new IdempotencyStore(scope);
        await scope.BeginAsync(default);
        Assert.Null(await store.ClaimAsync("s", "key-1", "hash-a", 1, default));
        await store.SaveAsync("s", "key-1", 200, "{\"ok\":true}", default);
        await scope.CommitAsync(default);

        var second = Scope();
        var earlier = await new IdempotencyStore(second).ClaimAsync("s", "key-1", "hash-b", 2, default);
        Assert.Equal(("hash-a", 200, "{\"ok\":true}"), (earlier!.RequestHash, earlier.StatusCode, earlier.ResponseBody));

        var rolledBack = Scope();
        await rolledBack.BeginAsync(default);
        Assert.Null(await new IdempotencyStore(rolledBack).ClaimAsync("s", "key-2", "h", 3, default));
        await rolledBack.RollbackAsync();
        Assert.Null(await new IdempotencyStore(Scope()).ClaimAsync("s", "key-2", "h", 4, default));
    }

    [Fact]
    public async Task CredentialsUpsertListAndDelete()
    {
        var user = TestServices.UniqueUser();
        var store = new CredentialStore(Scope());
        await store.PutAsync(user, new CredentialRow { Name = "slack", Tool = "slack", KeyId = "k1", Secret = "c1", UpdatedAt = 1 }, default);
        await store.PutAsync(user, new CredentialRow { Name = "slack", Tool = "webhook", KeyId = "k2", Secret = "c2", UpdatedAt = 2 }, default);
        await store.PutAsync(user, new CredentialRow { Name = "a-mail", Tool = "email", KeyId = "k1", Secret = "c3", UpdatedAt = 3 }, default);

        var list = await store.ListAsync(user, default);
        var slack = await store.GetAsync(user, "slack", default);

        Assert.Equal(["a-mail", "slack"], list.Select(c => c.Name));
        Assert.Equal(("webhook", "k2", "c2", 2L), (slack!.Tool, slack.KeyId, slack.Secret, slack.UpdatedAt));
        Assert.True(await store.DeleteAsync(user, "slack", default));
        Assert.False(await store.DeleteAsync(user, "slack", default));
        Assert.Null(await store.GetAsync(user, "slack", default));
    }

    [Fact]
    public async Task EveryCallOfABatchReadsBackInItsOrderWithItsExecutionAndUser()
    {
        // Two executions, one of them also refused to an unknown caller (no user), interleaved in one batch.
        var (one, two) = (Guid.NewGuid().ToString(), Guid.NewGuid().ToString());
        var entries = Enumerable.Range(0, 60).Select(i => new AuditEntry(
            i % 3 == 0 ? one : two, i % 5 == 4 ? null : "u" + i % 2, i % 2 == 0 ? "getVariable" : "setVariable",
            i % 4 == 0 ? null : "k" + i, i % 7 == 0 ? 409 : 200, i % 7 == 0 ? "version_conflict" : null, 1_700_000_000_000 + i)).ToList();
        await InsertAuditAsync(entries);

        foreach (var execution in new[] { one, two })
        {
            var stored = await AuditOf(execution);
            var expected = entries.Where(e => e.ExecutionId == execution).ToList();
            // Within a caller the order is the calls'; the ids follow the order of the rows each engine keeps.
            Assert.Equal(expected.OrderBy(e => (e.UserId, e.At)), stored.OrderBy(e => (e.UserId, e.At)));
            foreach (var user in expected.Select(e => e.UserId).Distinct())
                Assert.Equal(expected.Where(e => e.UserId == user), stored.Where(e => e.UserId == user));
        }
    }

    [Fact]
    public async Task AuditRowsPastTheirRetentionArePrunedAndNewerOnesStay()
    {
        var execution = Guid.NewGuid().ToString();
        var now = Time.ToMs(DateTimeOffset.UtcNow);
        var old = new AuditEntry(execution, "u", "getVariable", "k", 200, null, now - (long)TimeSpan.FromDays(31).TotalMilliseconds);
        var recent = new AuditEntry(execution, "u", "getInput", null, 200, null, now - (long)TimeSpan.FromDays(29).TotalMilliseconds);
        // Two batches, as the audit writer sends calls that far apart.
        await InsertAuditAsync([old]);
        await InsertAuditAsync([recent]);

        await Pruning.PruneAsOfAsync(Dialect, TimeSpan.Zero); // the default retention: 30 days

        Assert.Equal([recent], await AuditOf(execution));
    }

    private async Task InsertAuditAsync(IReadOnlyList<AuditEntry> entries) =>
        await Scope().TransactionAsync(async (c, tx) => { await Dialect.InsertAuditAsync(c, tx, entries, default); return 0; }, default);

    /// <summary>The audit trail of one execution as operators read it: the audit_log table or view, in id order.</summary>
    private async Task<List<AuditEntry>> AuditOf(string execution)
    {
        await using var connection = await Dialect.DataSource.OpenConnectionAsync();
        return await ReadAuditAsync(connection,
            "SELECT execution_id, user_id, operation, key, status, code, at FROM audit_log WHERE execution_id = @Id ORDER BY id", new { Id = execution });
    }

    /// <summary>Audit rows as entries; <paramref name="sql"/> selects the entry's columns in its order.</summary>
    private protected static async Task<List<AuditEntry>> ReadAuditAsync(System.Data.Common.DbConnection connection, string sql, object? parameters = null) =>
        (await Dapper.SqlMapper.QueryAsync<(string, string?, string, string?, int, string?, long)>(connection, sql, parameters))
            .Select(r => new AuditEntry(r.Item1, r.Item2, r.Item3, r.Item4, r.Item5, r.Item6, r.Item7)).ToList();

    [Fact]
    public async Task MigratingTwiceAtOnceIsSafe()
    {
        var (a, b) = (Reopen(), Reopen());
        await Task.WhenAll(Task.Run(() => a.Migrate(NullLogger.Instance)), Task.Run(() => b.Migrate(NullLogger.Instance)));
        await using var connection = await a.DataSource.OpenConnectionAsync();
        Assert.Equal(1L, await Dapper.SqlMapper.ExecuteScalarAsync<long>(connection, "SELECT COUNT(*) FROM schema_versions WHERE scriptname LIKE '%0001_initial.sql'"));
    }

    /// <summary>A second handle on the same database, as a second runtime instance would have.</summary>
    private protected abstract SqlDialect Reopen();

    private static ExecutionRow NewExecution() => new()
    {
        Id = Guid.NewGuid().ToString(),
        UserId = "u",
        JobId = "job",
        EventId = "evt",
        EventName = "name",
        EventType = "BASH",
        Workflow = "{\"id\":\"w\",\"runId\":\"r\",\"nodeId\":\"n\"}",
        Attempt = 2,
        Input = "[1,\"two\",{\"three\":null}]",
        Metadata = "{\"team\":\"ops\"}",
        Status = "running",
        TimeoutSeconds = 60,
        TokenId = "tid",
        TokenExpiresAt = 9_000_000_000_000,
        StartedAt = 1_700_000_000_123,
        Deadline = 1_700_000_060_123,
    };
}

public sealed class SqliteStoreTests : StoreSuite, IDisposable
{
    private readonly TempFolder folder = new();
    private readonly string path;
    private readonly SqliteDialect dialect;

    public SqliteStoreTests()
    {
        path = Path.Combine(folder.Path, "runtime.db");
        dialect = new SqliteDialect(path);
        dialect.Migrate(NullLogger.Instance);
    }

    private protected override SqlDialect Dialect => dialect;

    private protected override SqlDialect Reopen() => new SqliteDialect(path);

    public void Dispose() => folder.Dispose();

    [Fact]
    public async Task SeveralOpenersOfANewFileMigrateItOnceAndAllSucceed()
    {
        // Two cronium commands started together on a fresh machine: before the lock, all but one failed with
        // "table executions already exists".
        using var freshFolder = new TempFolder();
        var fresh = Path.Combine(freshFolder.Path, "runtime.db");

        var openers = Enumerable.Range(0, 6).Select(_ => Task.Run(() => new SqliteDialect(fresh).Migrate(NullLogger.Instance)));
        await Task.WhenAll(openers);

        var store = new VariableStore(new DbScope(new SqliteDialect(fresh), new WriteTurns()));
        Assert.Equal(new VariableWrite(true, 1, 5), await store.SetAsync("u", "k", "1", null, 5, default));
    }
}

public sealed class PostgresStoreTests : StoreSuite, IDisposable
{
    private readonly string connectionString = TestServices.NewPostgresDatabase();
    private readonly PostgresDialect dialect;
    private readonly List<SqlDialect> reopened = [];

    public PostgresStoreTests()
    {
        dialect = new PostgresDialect(connectionString);
        dialect.Migrate(NullLogger.Instance);
    }

    private protected override SqlDialect Dialect => dialect;

    private protected override SqlDialect Reopen()
    {
        var again = new PostgresDialect(connectionString);
        reopened.Add(again);
        return again;
    }

    [Fact]
    public async Task AuditRowsKeptBeforeTheTrailWentIntoBatchesReadTheSameAfterTheMigration()
    {
        // A database as the runtime left it before 0007_audit_batches.sql: one row a call in the audit_log table.
        var earlier = TestServices.NewPostgresDatabase();
        var upToBatches = DbUp.DeployChanges.To.PostgresqlDatabase(earlier)
            .WithScriptsEmbeddedInAssembly(typeof(SqlDialect).Assembly, name => name.Contains(".Storage.Migrations.Postgres.", StringComparison.Ordinal)
                && int.Parse(Regex.Match(name, @"(\d{4})_\w+\.sql$").Groups[1].Value, CultureInfo.InvariantCulture) < 7)
            .JournalToPostgresqlTable("public", "schema_versions").LogToNowhere().Build();
        Assert.True(upToBatches.PerformUpgrade().Successful);
        var (one, two) = (Guid.NewGuid().ToString(), Guid.NewGuid().ToString());
        const string Read = "SELECT execution_id, user_id, operation, key, status, code, at FROM audit_log ORDER BY execution_id, user_id, id";
        List<AuditEntry> before;
        await using (var connection = new NpgsqlConnection(earlier))
        {
            // 2,500 calls of two executions and three callers, interleaved, their times out of order.
            await Dapper.SqlMapper.ExecuteAsync(connection, """
                INSERT INTO audit_log (execution_id, user_id, operation, key, status, code, at)
                SELECT CASE WHEN g % 3 = 0 THEN @One ELSE @Two END, CASE WHEN g % 5 = 4 THEN NULL ELSE 'u' || g % 2 END,
                       'getVariable', CASE WHEN g % 4 = 0 THEN NULL ELSE 'k' || g END, 200 + g % 2, NULLIF('c' || g % 7, 'c0'),
                       1700000000000 + (g * 7919) % 2500
                FROM generate_series(1, 2500) g
                """, new { One = one, Two = two });
            before = await ReadAuditAsync(connection, Read);
        }

        using (var migrated = new PostgresDialect(earlier)) migrated.Migrate(NullLogger.Instance);

        await using (var connection = new NpgsqlConnection(earlier))
        {
            Assert.Equal(before, await ReadAuditAsync(connection, Read));
            Assert.Equal(2500, before.Count);
        }
    }

    // Each dialect holds a pool of connections: left open, a whole suite's worth reaches PostgreSQL's max_connections.
    public void Dispose()
    {
        foreach (var again in reopened) again.Dispose();
        dialect.Dispose();
    }
}
