namespace Cronium.Runtime.Tests.Infrastructure;

/// <summary>A runtime on the embedded default (SQLite, no cache), shared by one test class.</summary>
public sealed class SqliteRuntime() : RuntimeFactoryFixture(Backend.Sqlite);

/// <summary>A runtime on PostgreSQL and Valkey/Redis, shared by one test class.</summary>
public sealed class PostgresRuntime() : RuntimeFactoryFixture(Backend.PostgresValkey);

public abstract class RuntimeFactoryFixture(Backend backend) : IDisposable
{
    public RuntimeFactory Factory { get; } = new(backend);

    public void Dispose()
    {
        Factory.Dispose();
        GC.SuppressFinalize(this);
    }
}
