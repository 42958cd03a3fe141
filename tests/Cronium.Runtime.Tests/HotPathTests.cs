using System.Net;
using System.Net.Sockets;
using System.Text;
using Cronium.Runtime.Tests.Infrastructure;

namespace Cronium.Runtime.Tests;

/// <summary>
/// The script-facing hot path against a private Redis that the test watches (MONITOR): what a cached read costs the
/// cache, and that the one round trip still carries every check (revocation, rate limit, audit).
/// </summary>
public sealed class HotPathTests
{
    [Fact]
    public async Task ACachedGetVariableCostsTheCacheOneRoundTrip()
    {
        using var redis = new PrivateRedis();
        using var runtime = new RuntimeFactory(Backend.PostgresValkey, new Dictionary<string, string?> { ["ConnectionStrings:Valkey"] = redis.ConnectionString });
        var e = await runtime.CreateExecutionAsync();
        using var client = runtime.Script(e);
        await client.PutAsync(e.VariablePath("hot"), Api.Json(new { value = new { n = 1 } }));
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync(e.VariablePath("hot"))).StatusCode);

        using var monitor = await Monitor.StartAsync(redis.Port);
        var read = await client.GetAsync(e.VariablePath("hot"));
        var commands = await monitor.StopAsync();

        Assert.Equal(1, (long)(await read.BodyAsync())["value"]!["n"]!);
        // MONITOR shows what a client sent and, marked "lua", what a script ran; only the former is a round trip.
        var sent = commands.Where(c => !c.Contains(" lua]", StringComparison.Ordinal)).ToList();
        Assert.True(sent.Count == 1, "round trips: " + string.Join(" / ", sent));
    }

    [Fact]
    public async Task ATokenIsRememberedByItsTextOnlyOnceItHasBeenValidated()
    {
        using var runtime = new RuntimeFactory(Backend.PostgresValkey);
        var e = await runtime.CreateExecutionAsync();
        var validations = runtime.Service<Cronium.Runtime.Auth.ExecutionTokenValidator>();
        Assert.Null(validations.Find(e.Token));

        using var client = runtime.Script(e);
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync(e.VariablePath("none"))).StatusCode);
        Assert.Equal(e.ExecutionId, validations.Find(e.Token)?.Caller.ExecutionId);
        Assert.Null(validations.Find(e.Token.AsSpan(0, e.Token.Length - 1)));

        // The second call goes through the remembered validation, and its caller is still the token's.
        var written = await client.PutAsync(e.VariablePath("again"), Api.Json(new { value = 1 }));
        Assert.Equal(HttpStatusCode.OK, written.StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync(e.VariablePath("again"))).StatusCode);
    }

    [Fact]
    public async Task ACachedGetVariableAnswersTheStoredJsonTextAsTheScriptSentIt()
    {
        using var runtime = new RuntimeFactory(Backend.PostgresValkey);
        var e = await runtime.CreateExecutionAsync();
        using var client = runtime.Script(e);
        // Spacing, key order, escapes and a number's spelling are the script's: nothing is parsed and re-written.
        const string value = """{ "b" : 1.50, "a":"\u00e9\n", "n":[1 ,2] }""";
        await client.PutAsync(e.VariablePath("raw"), new StringContent($$"""{"value":{{value}}}""", Encoding.UTF8, "application/json"));

        var first = await (await client.GetAsync(e.VariablePath("raw"))).Content.ReadAsStringAsync();
        var cached = await (await client.GetAsync(e.VariablePath("raw"))).Content.ReadAsStringAsync();

        Assert.Contains($"\"value\":{value}", cached, StringComparison.Ordinal);
        Assert.Equal(first, cached);
    }

    [Fact]
    public async Task TheOneRoundTripStillRefusesAFinishedExecutionAndCountsTowardTheRateLimit()
    {
        using var runtime = new RuntimeFactory(Backend.PostgresValkey, new Dictionary<string, string?> { ["Runtime:RateLimit:PermitsPerSecond"] = "3" });
        var e = await runtime.CreateExecutionAsync();
        using var client = runtime.Script(e);
        await client.PutAsync(e.VariablePath("k"), Api.Json(new { value = 1 }));

        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 8; i++) statuses.Add((await client.GetAsync(e.VariablePath("k"))).StatusCode);
        await runtime.CompleteAsync(e);
        var after = await client.GetAsync(e.VariablePath("k"));

        Assert.Contains(HttpStatusCode.TooManyRequests, statuses);
        await after.AssertProblemAsync(HttpStatusCode.Unauthorized, "execution_finished");
    }

    /// <summary>Redis's MONITOR on a connection of its own: every command the server runs, one line each.</summary>
    private sealed class Monitor : IDisposable
    {
        private readonly TcpClient tcp;
        private readonly StreamReader reader;

        private Monitor(TcpClient tcp, StreamReader reader)
        {
            this.tcp = tcp;
            this.reader = reader;
        }

        public static async Task<Monitor> StartAsync(int port)
        {
            var tcp = new TcpClient();
            await tcp.ConnectAsync(IPAddress.Loopback, port);
            var stream = tcp.GetStream();
            await stream.WriteAsync("MONITOR\r\n"u8.ToArray());
            var reader = new StreamReader(stream, Encoding.UTF8);
            Assert.Equal("+OK", await reader.ReadLineAsync());
            return new Monitor(tcp, reader);
        }

        /// <summary>The commands seen until the server has been quiet for a moment.</summary>
        public async Task<List<string>> StopAsync()
        {
            var lines = new List<string>();
            while (true)
            {
                using var quiet = new CancellationTokenSource(TimeSpan.FromMilliseconds(500));
                try
                {
                    if (await reader.ReadLineAsync(quiet.Token) is not { } line) break;
                    lines.Add(line);
                }
                catch (OperationCanceledException)
                {
                    break;
                }
            }
            return lines;
        }

        public void Dispose()
        {
            reader.Dispose();
            tcp.Dispose();
        }
    }
}
