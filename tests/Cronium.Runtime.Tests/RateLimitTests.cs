using System.Net;
using Cronium.Runtime.Tests.Infrastructure;

namespace Cronium.Runtime.Tests;

/// <summary>
/// The limit is five calls per execution per one-second window. A burst may straddle window edges, so the
/// assertions count the windows the burst spanned on the wall clock instead of assuming it fit in one.
/// </summary>
public sealed class RateLimitTests
{
    private const int Permits = 5;

    // A generous cache timeout: a busy test machine must not turn Valkey "degraded" and the limit local.
    private static readonly Dictionary<string, string?> Settings = new()
    {
        ["Runtime:RateLimit:PermitsPerSecond"] = Permits.ToString(),
        ["Runtime:Cache:TimeoutMilliseconds"] = "3000",
    };

    [Theory]
    [InlineData(Backend.Sqlite)]
    [InlineData(Backend.PostgresValkey)]
    public async Task NoisyExecutionGetsRateLimitedWithRetryAfterAndOthersDoNot(Backend backend)
    {
        using var runtime = new RuntimeFactory(backend, Settings);
        var noisy = await runtime.CreateExecutionAsync();
        var quiet = await runtime.CreateExecutionAsync();
        using var client = runtime.Script(noisy);

        var (responses, windows) = await BurstAsync(30, _ => client.GetAsync($"/v1/executions/{noisy.ExecutionId}/input"));
        var other = await runtime.Script(quiet).GetAsync($"/v1/executions/{quiet.ExecutionId}/input");

        var limited = responses.Where(r => r.StatusCode == HttpStatusCode.TooManyRequests).ToList();
        Assert.InRange(responses.Count(r => r.StatusCode == HttpStatusCode.OK), Permits, Permits * windows);
        Assert.Equal(30, responses.Count(r => r.StatusCode is HttpStatusCode.OK or HttpStatusCode.TooManyRequests));
        await limited[0].AssertProblemAsync(HttpStatusCode.TooManyRequests, "rate_limited");
        Assert.Equal(TimeSpan.FromSeconds(1), limited[0].Headers.RetryAfter!.Delta);
        Assert.Equal(HttpStatusCode.OK, other.StatusCode);
        // Every answer says where the script stands: the limit, what is left of this window, when the next starts.
        Assert.All(responses, r => Assert.Equal(Permits.ToString(), r.Headers.GetValues("RateLimit-Limit").Single()));
        Assert.Equal("0", limited[0].Headers.GetValues("RateLimit-Remaining").Single());
        Assert.Equal("1", limited[0].Headers.GetValues("RateLimit-Reset").Single());
        Assert.Equal((Permits - 1).ToString(), other.Headers.GetValues("RateLimit-Remaining").Single());
    }

    [Fact]
    public async Task LimitHoldsAcrossInstancesThroughValkey()
    {
        var postgres = TestServices.NewPostgresDatabase();
        using var a = new RuntimeFactory(Backend.PostgresValkey, Settings, postgres: postgres);
        using var b = new RuntimeFactory(Backend.PostgresValkey, Settings, postgres: postgres);
        var e = await a.CreateExecutionAsync();
        using var onA = a.Script(e);
        using var onB = b.Script(e);
        // Both instances talk to Valkey before the burst (a busy machine can make the first connection slow).
        await WaitUntilCacheHealthyAsync(a);
        await WaitUntilCacheHealthyAsync(b);
        var (seenA, seenB) = (a.Logs.Count, b.Logs.Count);

        var (responses, windows) = await BurstAsync(30, i => (i % 2 == 0 ? onA : onB).GetAsync($"/v1/executions/{e.ExecutionId}/input"));

        // Counted per instance, two instances would let 2 × 5 through per window; shared, only 5.
        Assert.InRange(responses.Count(r => r.StatusCode == HttpStatusCode.OK), Permits, Permits * windows);
        Assert.DoesNotContain(a.Logs.Skip(seenA).Concat(b.Logs.Skip(seenB)), l => l.Contains("Cache degraded", StringComparison.Ordinal));
    }

    [Fact]
    public async Task ANewWindowStartsANewCountInValkey()
    {
        // The gate remembers each token's rate key for its window: when the clock turns to the next second, the
        // count must start again under the new window's key, not go on under the old one.
        var clock = new ManualClock(DateTimeOffset.UtcNow);
        using var runtime = new RuntimeFactory(Backend.PostgresValkey, Settings) { Clock = clock };
        await WaitUntilCacheHealthyAsync(runtime);
        var e = await runtime.CreateExecutionAsync();
        using var client = runtime.Script(e);

        var first = new List<HttpResponseMessage>();
        for (var i = 0; i < Permits; i++) first.Add(await client.GetAsync($"/v1/executions/{e.ExecutionId}/input"));
        clock.Advance(TimeSpan.FromSeconds(1));
        var next = await client.GetAsync($"/v1/executions/{e.ExecutionId}/input");

        Assert.All(first, r => Assert.Equal(HttpStatusCode.OK, r.StatusCode));
        Assert.Equal("0", first[^1].Headers.GetValues("RateLimit-Remaining").Single());
        Assert.Equal(HttpStatusCode.OK, next.StatusCode);
        Assert.Equal((Permits - 1).ToString(), next.Headers.GetValues("RateLimit-Remaining").Single());
    }

    /// <summary>The system's clock, moved on only when the test says.</summary>
    private sealed class ManualClock(DateTimeOffset start) : TimeProvider
    {
        private long ticks = start.UtcTicks;

        public override DateTimeOffset GetUtcNow() => new(Interlocked.Read(ref ticks), TimeSpan.Zero);

        public void Advance(TimeSpan by) => Interlocked.Add(ref ticks, by.Ticks);
    }

    private static async Task WaitUntilCacheHealthyAsync(RuntimeFactory runtime)
    {
        using var client = runtime.Client();
        for (var i = 0; i < 100; i++)
        {
            if (await (await client.GetAsync("/health/ready")).Content.ReadAsStringAsync() == "Healthy") return;
            await Task.Delay(100);
        }
        Assert.Fail("Valkey never answered the runtime");
    }

    private static async Task<(HttpResponseMessage[] Responses, int Windows)> BurstAsync(int count, Func<int, Task<HttpResponseMessage>> call)
    {
        var start = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var responses = await Task.WhenAll(Enumerable.Range(0, count).Select(call));
        var end = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        return (responses, (int)(end - start) + 1);
    }
}
