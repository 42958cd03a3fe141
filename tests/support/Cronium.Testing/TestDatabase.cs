namespace Cronium.Testing;

/// <summary>
/// A fresh PostgreSQL database on the server scripts/test.sh starts (CRONIUM_TEST_POSTGRES), dropped when disposed,
/// connections and all: what a test creates, it removes.
/// </summary>
public sealed class TestDatabase : IDisposable
{
    public TestDatabase()
    {
        Name = "cronium_test_" + Guid.NewGuid().ToString("N")[..12];
        Execute($"CREATE DATABASE {Name}");
        ConnectionString = new NpgsqlConnectionStringBuilder(Admin) { Database = Name }.ConnectionString;
    }

    public static string Admin =>
        Environment.GetEnvironmentVariable("CRONIUM_TEST_POSTGRES")
        ?? throw new InvalidOperationException("CRONIUM_TEST_POSTGRES is not set: run the tests through scripts/test.sh, which starts PostgreSQL and Redis.");

    public string Name { get; }

    public string ConnectionString { get; }

    public void Dispose()
    {
        NpgsqlConnection.ClearAllPools();
        Execute($"DROP DATABASE IF EXISTS {Name} WITH (FORCE)");
    }

    private static void Execute(string sql)
    {
        using var connection = new NpgsqlConnection(Admin);
        connection.Open();
        using var command = new NpgsqlCommand(sql, connection);
        command.ExecuteNonQuery();
    }
}
