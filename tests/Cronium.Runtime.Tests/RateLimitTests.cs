using System.Net;
using Cronium.Runtime.Tests.Infrastructure;

namespace Cronium.Runtime.Tests;

public sealed class RateLimitTests
{
    private static readonly Dictionary<string, string?> FivePerSecond = new() { ["Runtime:RateLimit:PermitsPerSecond"] = "5" };

    [Theory]
    [InlineData(Backend.Sqlite)]
    [InlineData(Backend.PostgresValkey)]
    public async Task NoisyExecutionGetsRateLimitedWithRetryAfterAndOthersDoNot(Backend backend)
    {
        using var runtime = new RuntimeFactory(backend, FivePerSecond);
        var noisy = await runtime.CreateExecutionAsync();
        var quiet = await runtime.CreateExecutionAsync();
        using var client = runtime.Script(noisy);

        var responses = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => client.GetAsync($"/v1/executions/{noisy.ExecutionId}/input")));
        var other = await runtime.Script(quiet).GetAsync($"/v1/executions/{quiet.ExecutionId}/input");

        var limited = responses.Where(r => r.StatusCode == HttpStatusCode.TooManyRequests).ToList();
        Assert.InRange(limited.Count, 10, 15);
        await limited[0].AssertProblemAsync(HttpStatusCode.TooManyRequests, "rate_limited");
        Assert.Equal(TimeSpan.FromSeconds(1), limited[0].Headers.RetryAfter!.Delta);
        Assert.Equal(HttpStatusCode.OK, other.StatusCode);
    }

    [Fact]
    public async Task LimitHoldsAcrossInstancesThroughValkey()
    {
        var postgres = TestServices.NewPostgresDatabase();
        using var a = new RuntimeFactory(Backend.PostgresValkey, FivePerSecond, postgres: postgres);
        using var b = new RuntimeFactory(Backend.PostgresValkey, FivePerSecond, postgres: postgres);
        var e = await a.CreateExecutionAsync();
        using var onA = a.Script(e);
        using var onB = b.Script(e);

        var responses = await Task.WhenAll(Enumerable.Range(0, 20).Select(i => (i % 2 == 0 ? onA : onB).GetAsync($"/v1/executions/{e.ExecutionId}/input")));

        Assert.InRange(responses.Count(r => r.StatusCode == HttpStatusCode.OK), 5, 10);
    }
}
