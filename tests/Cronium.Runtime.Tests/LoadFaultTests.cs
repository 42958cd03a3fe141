using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Cronium.Runtime.Tests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using Xunit.Abstractions;

namespace Cronium.Runtime.Tests;

/// <summary>Two instances under writers racing on one key, and a real Kestrel under clients that trickle or idle.</summary>
public sealed class LoadFaultTests(ITestOutputHelper output)
{
    [Fact]
    public async Task CompareAndSetWritersOnTwoInstancesLoseNoUpdateAndVersionsOnlyGrow()
    {
        var postgres = TestServices.NewPostgresDatabase();
        using var a = new RuntimeFactory(Backend.PostgresValkey, postgres: postgres);
        using var b = new RuntimeFactory(Backend.PostgresValkey, postgres: postgres);
        var user = TestServices.UniqueUser();
        var onA = await a.CreateExecutionAsync(user);
        var onB = await b.CreateExecutionAsync(user);
        const int writersPerInstance = 10, incrementsEach = 10;
        var seen = new System.Collections.Concurrent.ConcurrentBag<(long Version, int Value)>();

        async Task IncrementAsync(RuntimeFactory factory, Execution e)
        {
            using var client = factory.Script(e);
            for (var done = 0; done < incrementsEach;)
            {
                var current = await client.GetAsync(e.VariablePath("counter"));
                var (version, value) = current.StatusCode == HttpStatusCode.NotFound ? (0L, 0)
                    : await ReadAsync(current);
                var write = await client.PutAsync(e.VariablePath("counter"), Api.Json(new { value = value + 1, ifVersion = version }));
                if (write.StatusCode == HttpStatusCode.Conflict) continue;
                Assert.Equal(HttpStatusCode.OK, write.StatusCode);
                seen.Add(((long)(await write.BodyAsync())["version"]!, value + 1));
                done++;
            }
        }

        await Task.WhenAll(Enumerable.Range(0, writersPerInstance).SelectMany(_ => new[] { IncrementAsync(a, onA), IncrementAsync(b, onB) }));
        var final = await ReadAsync(await a.Script(onA).GetAsync(onA.VariablePath("counter")));

        const int total = 2 * writersPerInstance * incrementsEach;
        Assert.Equal((total, total), ((int)final.Version, final.Value));
        // Every acknowledged version is distinct, and each carries the value its compare-and-set computed.
        Assert.Equal(total, seen.Select(s => s.Version).Distinct().Count());
        Assert.All(seen, s => Assert.Equal(s.Version, s.Value));
    }

    private static async Task<(long Version, int Value)> ReadAsync(HttpResponseMessage response)
    {
        var body = await response.BodyAsync();
        return ((long)body["version"]!, (int)body["value"]!);
    }

    [Fact]
    public async Task ATricklingBodyIsCutOffAndAThousandIdleConnectionsDoNotStopOthers()
    {
        var settings = new RuntimeFactory(Backend.Sqlite);
        var app = Program.CreateApp(["--urls", "http://127.0.0.1:0"], b =>
        {
            b.Logging.ClearProviders();
            b.Configuration.AddInMemoryCollection(settings.Settings);
        });
        await app.StartAsync();
        var endpoint = new Uri(app.Urls.Single());
        var idle = new List<Socket>();
        try
        {
            var before = Process.GetCurrentProcess().WorkingSet64;

            // Kestrel's minimum data rate (240 bytes/s after a 5 s grace) ends a body that trickles in a byte a second.
            using var trickle = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            await trickle.ConnectAsync(endpoint.Host, endpoint.Port);
            await trickle.SendAsync(Encoding.ASCII.GetBytes(
                $"PUT /v1/users/u/variables/k HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {RuntimeFactory.OrchestratorKey}\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n"));
            var clock = Stopwatch.StartNew();
            var cut = false;
            while (!cut && clock.Elapsed < TimeSpan.FromSeconds(60))
            {
                try
                {
                    await trickle.SendAsync(new byte[] { (byte)' ' });
                    await Task.Delay(1000);
                    cut = trickle.Poll(0, SelectMode.SelectRead) && trickle.Available == 0;
                }
                catch (SocketException)
                {
                    cut = true;
                }
            }

            for (var i = 0; i < 1000; i++)
            {
                var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                await socket.ConnectAsync(endpoint.Host, endpoint.Port);
                idle.Add(socket);
            }
            using var client = new HttpClient { BaseAddress = endpoint };
            var live = await client.GetStringAsync("/health/live");
            var after = Process.GetCurrentProcess().WorkingSet64;
            output.WriteLine($"trickling body cut after {clock.Elapsed.TotalSeconds:0.0} s; working set {before / 1048576} MiB before, {after / 1048576} MiB with 1000 idle connections");

            Assert.True(cut, "the trickling request was never cut off");
            Assert.Equal("Healthy", live);
        }
        finally
        {
            foreach (var socket in idle) socket.Dispose();
            await app.StopAsync();
            await app.DisposeAsync();
            settings.Dispose();
        }
    }
}
