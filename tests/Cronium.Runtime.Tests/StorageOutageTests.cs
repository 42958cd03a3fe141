using System.Diagnostics;
using System.Net;
using System.Text.Json.Nodes;
using Cronium.Runtime.Tests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;

namespace Cronium.Runtime.Tests;

/// <summary>
/// PostgreSQL stopped in the middle of a stream of helper writes: the runtime answers 503 storage_unavailable with
/// Retry-After meanwhile, acknowledges nothing it has not committed, and the helper's retries (one Idempotency-Key
/// per write, answers lost after the commit included) land every write exactly once when PostgreSQL is back.
/// </summary>
public sealed class StorageOutageTests
{
    private const int Writes = 60;

    [Theory]
    [InlineData("fast")]
    [InlineData("immediate")]
    public async Task HelperWritesLandExactlyOnceAcrossAPostgresOutage(string stopMode)
    {
        using var postgres = new PrivatePostgres();
        var app = Program.CreateApp(["--urls", "http://127.0.0.1:0"], b =>
        {
            b.Logging.ClearProviders(); // the outage makes every background writer complain, by design
            b.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
            {
            ["Runtime:SigningKey"] = RuntimeFactory.SigningKey,
            ["Runtime:CredentialKey"] = RuntimeFactory.CredentialKey,
            ["Runtime:OrchestratorKeys:0"] = RuntimeFactory.OrchestratorKey,
            ["ConnectionStrings:Postgres"] = postgres.ConnectionString,
            ["Runtime:RateLimit:PermitsPerSecond"] = "100000",
            });
        });
        await app.StartAsync();
        try
        {
            var api = app.Urls.Single();
            using var admin = new HttpClient { BaseAddress = new Uri(api) };
            admin.DefaultRequestHeaders.Authorization = new("Bearer", RuntimeFactory.OrchestratorKey);
            var user = TestServices.UniqueUser();
            var created = await (await admin.PostAsync("/v1/executions", Api.Json(new
            {
                @event = new { id = "e", name = "writer", type = "PYTHON" }, userId = user, timeoutSeconds = 600,
            }))).BodyAsync();
            var (executionId, token) = ((string)created["executionId"]!, (string)created["token"]!);

            using var writer = StartWriter(api, executionId, token);
            var acknowledged = new List<int>();
            var output = new System.Text.StringBuilder();
            var reading = Task.Run(async () =>
            {
                while (await writer.StandardOutput.ReadLineAsync() is { } line)
                    lock (output)
                    {
                        output.AppendLine(line);
                        if (int.TryParse(line, out var i)) acknowledged.Add(i);
                    }
            });
            await Eventually.UntilAsync(() => { lock (output) return acknowledged.Count >= 15 || writer.HasExited; }, "15 writes before the outage");

            postgres.Stop(stopMode);
            using var script = new HttpClient { BaseAddress = new Uri(api) };
            script.DefaultRequestHeaders.Authorization = new("Bearer", token);
            var during = await script.PutAsync($"/v1/executions/{executionId}/variables/probe", Api.Json(new { value = 1 }));
            var problem = await during.BodyAsync();
            await Task.Delay(3000);
            postgres.Start();

            await writer.WaitForExitAsync();
            await reading;
            var errors = await writer.StandardError.ReadToEndAsync();

            Assert.Equal(HttpStatusCode.ServiceUnavailable, during.StatusCode);
            Assert.Equal("storage_unavailable", (string)problem["code"]!);
            Assert.NotNull(during.Headers.RetryAfter);
            Assert.True(writer.ExitCode == 0, $"the writer failed: {errors}\n{output}");
            Assert.Equal(Enumerable.Range(0, Writes), acknowledged);
            Assert.Contains("lost answers: 9", output.ToString());
            // Every write exactly once: each key at version 1 with its own value, none missing.
            var variables = await (await admin.GetAsync($"/v1/users/{user}/variables")).BodyAsync();
            var versions = variables["items"]!.AsArray().Where(v => ((string)v!["key"]!).StartsWith('k')).ToDictionary(v => (string)v!["key"]!, v => (int)v!["version"]!);
            Assert.Equal(Writes, versions.Count);
            Assert.All(versions, v => Assert.Equal(1, v.Value));
            var sample = await (await admin.GetAsync($"/v1/users/{user}/variables/k{Writes - 1}")).BodyAsync();
            Assert.Equal(Writes - 1, (int)sample["value"]!["i"]!);
        }
        finally
        {
            await app.StopAsync();
            await app.DisposeAsync();
        }
    }

    private static Process StartWriter(string api, string executionId, string token)
    {
        var info = new ProcessStartInfo("python3") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add(Path.Combine(Repository(), "tests", "support", "helper_writes.py"));
        info.ArgumentList.Add(Writes.ToString());
        info.Environment["CRONIUM_RUNTIME_API"] = api;
        info.Environment["CRONIUM_EXECUTION_ID"] = executionId;
        info.Environment["CRONIUM_EXECUTION_TOKEN"] = token;
        info.Environment["CRONIUM_RETRY_DEADLINE"] = "60";
        info.Environment["PYTHONDONTWRITEBYTECODE"] = "1";
        return Process.Start(info)!;
    }

    private static string Repository()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Cronium.Runtime.sln"))) return dir.FullName;
        throw new DirectoryNotFoundException("repository root (Cronium.Runtime.sln) not found above the test binaries");
    }
}
