using System.Net;
using Cronium.Runtime.Caching;
using Cronium.Runtime.Tests.Infrastructure;
using Npgsql;

namespace Cronium.Runtime.Tests;

/// <summary>Where setVariable's tail came from: writers of one row draining the pool and the cache epoch's lease lapsing.</summary>
public sealed class SetVariableTailTests
{
    [Fact]
    public async Task WritersWaitingOnOneRowNeitherDrainThePoolNorLetTheCacheEpochLapse()
    {
        var postgres = TestServices.NewPostgresDatabase();
        using var runtime = new RuntimeFactory(Backend.PostgresValkey,
            postgres: new NpgsqlConnectionStringBuilder(postgres) { MaxPoolSize = 4 }.ConnectionString);
        var e = await runtime.CreateExecutionAsync();
        using var client = runtime.Script(e);
        Assert.Equal(HttpStatusCode.OK, (await client.PutAsync(e.VariablePath("row"), Api.Json(new { value = 0 }))).StatusCode);
        var epochBefore = await EpochAsync(postgres);

        // Another session holds the row's lock (a slow writer on another instance) for longer than the epoch's lease.
        await using var holder = new NpgsqlConnection(postgres);
        await holder.OpenAsync();
        await using var transaction = await holder.BeginTransactionAsync();
        await new NpgsqlCommand("SELECT 1 FROM variables WHERE key = 'row' FOR UPDATE", holder, transaction).ExecuteNonQueryAsync();
        var writes = Enumerable.Range(1, 8).Select(i => client.PutAsync(e.VariablePath("row"), Api.Json(new { value = i }))).ToList();
        await Task.Delay(2500);
        await transaction.RollbackAsync();
        var responses = await Task.WhenAll(writes);

        Assert.All(responses, r => Assert.Equal(HttpStatusCode.OK, r.StatusCode));
        // A bump means some write found the epoch's reading too old, bumped it and waited a whole lease before answering.
        // Which of the two ways a write can miss the cache it was, should this ever fail: Valkey not answering
        // ("Cache degraded" logged) or the epoch's reading gone stale (nothing logged but the bump).
        var epochAfter = await EpochAsync(postgres);
        Assert.True(epochBefore == epochAfter,
            $"epoch {epochBefore} -> {epochAfter}; cache log: {string.Join(" | ", runtime.Logs.Where(l => l.Contains("Cache", StringComparison.Ordinal)))}");
    }

    [Fact]
    public async Task AWriteThatBumpsTheEpochLeavesTheNewEpochTrustedSoTheWritesAfterItNeedNoBumpOfTheirOwn()
    {
        var postgres = TestServices.NewPostgresDatabase();
        using var runtime = new RuntimeFactory(Backend.PostgresValkey, postgres: postgres);
        var epochs = runtime.Service<CacheEpoch>();
        for (var i = 0; i < 100 && epochs.Current is null; i++) await Task.Delay(50);
        var before = epochs.Current;
        Assert.NotNull(before);

        // What a write the cache did not take does: bump, then hold its answer back for the lease. Meanwhile this
        // instance must trust the new epoch: an instant with none trusted makes every write in it bump and wait too.
        var bump = epochs.InvalidateAsync(CancellationToken.None);
        var seen = new HashSet<long?>();
        while (!bump.IsCompleted) seen.Add(epochs.Current);
        await bump;

        var bumped = await EpochAsync(postgres);
        Assert.Equal(before + 1, bumped);
        Assert.DoesNotContain(null, seen);
        Assert.Contains(bumped, seen);
        Assert.Equal(bumped, epochs.Current);
    }

    private static async Task<long> EpochAsync(string postgres)
    {
        await using var connection = new NpgsqlConnection(postgres);
        await connection.OpenAsync();
        return (long)(await new NpgsqlCommand("SELECT epoch FROM cache_epoch WHERE id = 1", connection).ExecuteScalarAsync())!;
    }
}
