using System.Net;
using Cronium.Runtime.Tests.Infrastructure;

namespace Cronium.Runtime.Tests;

/// <summary>
/// The experiment that found stale reads after Valkey came back, kept as a test: two instances on one PostgreSQL
/// and one Valkey, writers and readers on both, while Valkey is shut down, flushed, frozen and restarted. A read is
/// stale when it returns a version older than one already acknowledged before the read began. There must be none.
/// </summary>
public sealed class CacheFaultTests
{
    [Fact]
    public async Task NoReadIsOlderThanAnAcknowledgedWriteWhateverValkeyGoesThrough()
    {
        using var redis = new PrivateRedis();
        var postgres = TestServices.NewPostgresDatabase();
        var settings = new Dictionary<string, string?> { ["ConnectionStrings:Valkey"] = redis.ConnectionString, ["Runtime:Cache:RetryAfterFailureSeconds"] = "1" };
        using var a = new RuntimeFactory(Backend.PostgresValkey, settings, postgres: postgres);
        using var b = new RuntimeFactory(Backend.PostgresValkey, settings, postgres: postgres);
        var user = TestServices.UniqueUser();
        var onA = await a.CreateExecutionAsync(user, timeoutSeconds: 3600);
        var onB = await b.CreateExecutionAsync(user, timeoutSeconds: 3600);
        var acknowledged = 0L;
        var (reads, stale, writes) = (0L, 0L, 0L);
        var staleSeen = new System.Collections.Concurrent.ConcurrentQueue<string>();
        using var stop = new CancellationTokenSource();

        async Task WriteAsync(RuntimeFactory factory, Execution e)
        {
            using var client = factory.Script(e);
            while (!stop.IsCancellationRequested)
            {
                var response = await client.PutAsync(e.VariablePath("shared"), Api.Json(new { value = Guid.NewGuid() }));
                if (response.StatusCode != HttpStatusCode.OK) continue;
                var version = (long)(await response.BodyAsync())["version"]!;
                Interlocked.Increment(ref writes);
                long seen;
                while ((seen = Interlocked.Read(ref acknowledged)) < version && Interlocked.CompareExchange(ref acknowledged, version, seen) != seen)
                {
                }
            }
        }

        async Task ReadAsync(RuntimeFactory factory, Execution e, string name)
        {
            using var client = factory.Script(e);
            while (!stop.IsCancellationRequested)
            {
                var floor = Interlocked.Read(ref acknowledged);
                var response = await client.GetAsync(e.VariablePath("shared"));
                if (response.StatusCode != HttpStatusCode.OK) continue;
                var version = (long)(await response.BodyAsync())["version"]!;
                Interlocked.Increment(ref reads);
                if (version < floor)
                {
                    Interlocked.Increment(ref stale);
                    staleSeen.Enqueue($"{name} read v{version} after v{floor} was acknowledged");
                }
            }
        }

        var load = new[]
        {
            WriteAsync(a, onA), WriteAsync(b, onB),
            ReadAsync(a, onA, "A"), ReadAsync(b, onB, "B"), ReadAsync(a, onA, "A"), ReadAsync(b, onB, "B"),
        };
        var faults = new (string What, Action Before, Action After)[]
        {
            ("shut down", redis.Stop, redis.Start),
            ("flushed", () => Flush(redis), () => { }),
            ("frozen", redis.Freeze, redis.Thaw),
            ("restarted", () => { redis.Stop(); redis.Start(); }, () => { }),
        };
        await Task.Delay(1500);
        for (var round = 0; round < 2; round++)
        {
            foreach (var (_, before, after) in faults)
            {
                before();
                await Task.Delay(2000);
                after();
                await Task.Delay(2500);
            }
        }
        stop.Cancel();
        await Task.WhenAll(load);

        Assert.True(stale == 0, $"{stale} stale reads of {reads}: {string.Join("; ", staleSeen.Take(5))}");
        Assert.True(reads > 200 && writes > 50, $"the load was too thin to prove anything: {reads} reads, {writes} writes");
    }

    private static void Flush(PrivateRedis redis)
    {
        using var raw = StackExchange.Redis.ConnectionMultiplexer.Connect(redis.ConnectionString + ",allowAdmin=true");
        raw.GetServer(raw.GetEndPoints()[0]).FlushAllDatabases();
    }
}
