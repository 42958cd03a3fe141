using Npgsql;

namespace Cronium.Runtime.Tests.Infrastructure;

/// <summary>
/// The real PostgreSQL and Redis the test script starts (scripts/test.sh exports where they listen).
/// Missing servers fail the tests that need them, loudly: a skipped test proves nothing.
/// </summary>
internal static class TestServices
{
    public static string PostgresAdmin =>
        Environment.GetEnvironmentVariable("CRONIUM_TEST_POSTGRES")
        ?? throw new InvalidOperationException("CRONIUM_TEST_POSTGRES is not set: run the tests through scripts/test.sh, which starts PostgreSQL and Redis.");

    public static string Valkey =>
        Environment.GetEnvironmentVariable("CRONIUM_TEST_VALKEY")
        ?? throw new InvalidOperationException("CRONIUM_TEST_VALKEY is not set: run the tests through scripts/test.sh, which starts PostgreSQL and Redis.");

    /// <summary>A fresh, empty database on the test server; each fixture gets its own so tests cannot see each other's rows.</summary>
    public static string NewPostgresDatabase()
    {
        var name = "cronium_test_" + Guid.NewGuid().ToString("N")[..12];
        using (var connection = new NpgsqlConnection(PostgresAdmin))
        {
            connection.Open();
            using var create = new NpgsqlCommand($"CREATE DATABASE {name}", connection);
            create.ExecuteNonQuery();
        }
        return new NpgsqlConnectionStringBuilder(PostgresAdmin) { Database = name, MaxPoolSize = 50 }.ConnectionString;
    }

    /// <summary>A Redis database number of its own per fixture would still share FLUSH; keys are unique per execution/user instead.</summary>
    public static string UniqueUser(string prefix = "user") => $"{prefix}-{Guid.NewGuid():N}"[..(prefix.Length + 13)];
}
