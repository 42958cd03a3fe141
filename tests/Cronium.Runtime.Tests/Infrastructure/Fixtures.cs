namespace Cronium.Runtime.Tests.Infrastructure;

/// <summary>A runtime on the embedded default (SQLite, no cache), shared by one test class.</summary>
public sealed class SqliteRuntime() : RuntimeFactoryFixture(Backend.Sqlite);

/// <summary>A runtime on PostgreSQL and Valkey/Redis, shared by one test class.</summary>
public sealed class PostgresRuntime() : RuntimeFactoryFixture(Backend.PostgresValkey);

/// <summary>The run-record suite's runtimes: a small log cap, so the cap is reached with a few kilobytes.</summary>
public sealed class SmallLogCapSqliteRuntime() : RuntimeFactoryFixture(Backend.Sqlite, SmallLogCap);

public sealed class SmallLogCapPostgresRuntime() : RuntimeFactoryFixture(Backend.PostgresValkey, SmallLogCap);

public abstract class RuntimeFactoryFixture(Backend backend, IDictionary<string, string?>? overrides = null) : IDisposable
{
    protected static readonly Dictionary<string, string?> SmallLogCap = new() { ["Runtime:Limits:MaxLogBytes"] = "4096" };

    public RuntimeFactory Factory { get; } = new(backend, overrides);

    public void Dispose()
    {
        Factory.Dispose();
        GC.SuppressFinalize(this);
    }
}
