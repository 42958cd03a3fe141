using System.Data.Common;
using Cronium.Runtime.Storage;
using Dapper;

namespace Cronium.Runtime.Caching;

/// <summary>
/// Which cache entries may be trusted. Entries carry the epoch they were written under, and an instance trusts an
/// entry only when its epoch is the one it last read from storage, and only while that reading is fresh (a lease of
/// <see cref="Lease"/>). A write whose cache update failed (Valkey down, frozen, restarted, unreachable from this
/// instance) bumps the epoch in storage and is acknowledged only after <see cref="Lease"/> has passed: by then every
/// instance has either read the new epoch or stopped trusting the cache, so no instance can serve a value older than
/// one already acknowledged, whatever Valkey kept or lost meanwhile.
/// </summary>
internal sealed class CacheEpoch(SqlDialect dialect, RuntimeCache cache, TimeProvider time, ILogger<CacheEpoch> logger) : BackgroundService
{
    /// <summary>How often the epoch is read.</summary>
    public static readonly TimeSpan Refresh = TimeSpan.FromMilliseconds(200);

    /// <summary>How long a reading is trusted; a write that missed the cache waits this long after its bump.</summary>
    public static readonly TimeSpan Lease = TimeSpan.FromMilliseconds(1000);

    private const string ReadSql = "SELECT epoch FROM cache_epoch WHERE id = 1";
    private const string BumpSql = "UPDATE cache_epoch SET epoch = epoch + 1 WHERE id = 1 RETURNING epoch";

    /// <summary>The reading of the epoch begun last (see <see cref="Adopt"/>): its value and when the read or bump that learnt it began.</summary>
    private Reading? reading;

    /// <summary>The epoch to read and write entries under, or null when the last reading is too old to trust.</summary>
    public long? Current =>
        cache.Enabled && Volatile.Read(ref reading) is { } r && time.GetUtcNow().UtcTicks - r.StartedTicks < (Lease - Refresh).Ticks ? r.Epoch : null;

    /// <summary>
    /// The epoch as storage has it now, not as last read: what a write that has just committed caches under. The
    /// periodic reading may lag a bump by up to a lease; a write cached under that older epoch could be overtaken by a
    /// reader that read the new epoch and then, before the write committed, the old value: the reader's entry, under
    /// the newer epoch, would win in the cache and be served after the write was acknowledged. Read after the commit,
    /// the write's epoch is at least any such reader's, so the version decides.
    /// </summary>
    public async Task<long> ReadNowAsync(CancellationToken cancellationToken)
    {
        await using var connection = await dialect.DataSource.OpenConnectionAsync(cancellationToken);
        return await connection.ExecuteScalarAsync<long>(ReadSql, new { cancellationToken });
    }

    /// <summary>After a write the cache did not take: a new epoch, then the lease, before the write may be acknowledged.</summary>
    public async Task InvalidateAsync(CancellationToken cancellationToken)
    {
        var started = time.GetUtcNow();
        long bumped;
        await using (var connection = await dialect.DataSource.OpenConnectionAsync(cancellationToken))
            bumped = await connection.ExecuteScalarAsync<long>(BumpSql, new { cancellationToken });
        // The old epoch is no longer trusted here from now on, and the new one is, as a reading made when the bump
        // began. Distrusting every epoch until the next refresh instead (as this did before) made every write in
        // that gap miss the cache too, bump again and wait a lease of its own: one stale moment under load became
        // dozens of writes held back a second each (setVariable's p99 at 0.9-1.0 s in two benchmark runs of ten).
        Adopt(bumped, started);
        logger.LogInformation("Cache epoch bumped after a write the cache did not take; waiting {Lease} ms before acknowledging it.", Lease.TotalMilliseconds);
        await Task.Delay(Lease, time, cancellationToken);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!cache.Enabled) return;
        await cache.WarnIfPersistentAsync();
        // A connection of its own, kept open: taking one from the shared pool each time would queue this reading
        // behind the requests when they hold the whole pool (64 writers of one row each wait on its lock), the lease
        // would run out, and every write meanwhile would pay InvalidateAsync's bump and wait (seen as setVariable's tail).
        DbConnection? connection = null;
        while (!stoppingToken.IsCancellationRequested)
        {
            var started = time.GetUtcNow();
            try
            {
                connection ??= await dialect.DataSource.OpenConnectionAsync(stoppingToken);
                // Trusted from when the read began: the epoch may have moved on just after it.
                Adopt(await connection.ExecuteScalarAsync<long>(ReadSql, new { cancellationToken = stoppingToken }), started);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // Storage down: the lease runs out and reads go through to storage (which answers 503 meanwhile).
                if (connection is not null) await connection.DisposeAsync();
                connection = null;
            }
            catch (OperationCanceledException)
            {
                break;
            }
            try
            {
                await Task.Delay(Refresh, time, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }
        if (connection is not null) await connection.DisposeAsync();
    }

    /// <summary>
    /// Keeps the reading begun last (for two begun together, the higher epoch). A read that began during a bump may
    /// still return the epoch before it; trusting that one until its own lease runs out is safe for the same reason
    /// any instance's last reading is (the bumping write waits a whole lease). One object swapped whole, so the value
    /// and its time are never read apart.
    /// </summary>
    private void Adopt(long epoch, DateTimeOffset started)
    {
        var next = new Reading(epoch, started.UtcTicks);
        while (true)
        {
            var seen = Volatile.Read(ref reading);
            if (seen is not null && (seen.StartedTicks > next.StartedTicks || (seen.StartedTicks == next.StartedTicks && seen.Epoch >= epoch))) return;
            if (Interlocked.CompareExchange(ref reading, next, seen) == seen) return;
        }
    }

    private sealed record Reading(long Epoch, long StartedTicks);
}
