using Cronium.Runtime.Storage;
using Cronium.Runtime.Tests.Infrastructure;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace Cronium.Runtime.Tests;

/// <summary>The runtime's statements are prepared on each PostgreSQL connection that runs them often, unless the operator says not to.</summary>
public sealed class PostgresStatementsTests
{
    [Theory]
    [InlineData("Host=db;Username=cronium", PostgresDialect.DefaultMaxAutoPrepare)]
    [InlineData("Host=db;Username=cronium;Max Auto Prepare=0", 0)]
    [InlineData("Host=db;Username=cronium;MaxAutoPrepare=5", 5)]
    public void AConnectionStringThatSaysNothingOfPreparingGetsTheDefaultAndOneThatDoesKeepsItsOwn(string given, int expected)
    {
        var used = new NpgsqlConnectionStringBuilder(PostgresDialect.WithAutoPrepare(given));

        Assert.Equal(expected, used.MaxAutoPrepare);
        Assert.Equal(("db", "cronium"), (used.Host, used.Username));
    }

    [Fact]
    public async Task AStatementRunOftenOnAConnectionIsPreparedThereByDefault()
    {
        await using var dialect = new PostgresDialect(TestServices.NewPostgresDatabase());
        dialect.Migrate(NullLogger.Instance);
        await using var connection = await dialect.DataSource.OpenConnectionAsync();

        for (var i = 0; i < 6; i++)
            await Dapper.SqlMapper.ExecuteScalarAsync<long>(connection, "SELECT count(*) FROM variables WHERE user_id = @UserId", new { UserId = "u" });

        Assert.Equal(1, await Dapper.SqlMapper.ExecuteScalarAsync<long>(connection,
            "SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE 'SELECT count(*) FROM variables%'"));
    }
}
