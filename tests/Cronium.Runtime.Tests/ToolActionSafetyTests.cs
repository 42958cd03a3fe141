using System.Net;
using System.Text.Json.Nodes;
using Cronium.Runtime.Tests.Infrastructure;
using Microsoft.Extensions.Configuration;
using Npgsql;

namespace Cronium.Runtime.Tests;

/// <summary>
/// Tool actions that cannot be turned against the runtime or its host: no transaction held across a send, no
/// connection to a place the operator did not allow, no unbounded read of an answer, no SMTP failure as a 500.
/// </summary>
public abstract class ToolActionSafetySuite(RuntimeFactory factory) : IDisposable
{
    private readonly LocalWebhook webhook = new();

    public void Dispose()
    {
        webhook.Release();
        webhook.Dispose();
        GC.SuppressFinalize(this);
    }

    private async Task PutCredentialAsync(string user, string name, object body) =>
        Assert.Equal(HttpStatusCode.OK, (await factory.Orchestrator().PutAsync($"/v1/users/{user}/tool-credentials/{name}", Api.Json(body))).StatusCode);

    private static HttpRequestMessage ToolRequest(Execution e, string tool, object parameters, string? idempotencyKey = null, string? credential = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, $"/v1/executions/{e.ExecutionId}/tool-actions")
        {
            Content = Api.Json(new { tool, action = "send", credential, @params = parameters }),
        };
        if (idempotencyKey is not null) request.Headers.Add("Idempotency-Key", idempotencyKey);
        return request;
    }

    [Fact]
    public async Task ASlowProviderHoldsNoTransactionAndARetryMeanwhileIsToldToWait()
    {
        var e = await factory.CreateExecutionAsync();
        await PutCredentialAsync(e.UserId, "slack", new { tool = "slack", secret = new { url = webhook.Url("/hold") } });
        var other = await factory.CreateExecutionAsync();

        var sending = factory.Script(e).SendAsync(ToolRequest(e, "slack", new { text = "slow" }, "send-slow"));
        await webhook.Held.WaitAsync(TimeSpan.FromSeconds(30));
        var held = factory.Backend == Backend.PostgresValkey ? await DatabaseNowAsync() : default;
        // Before the fix the send held the write transaction: this write waited for the provider (the test never releases it first).
        using var bounded = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        var write = await factory.Script(other).PutAsync(other.VariablePath("k"), Api.Json(new { value = 1 }), bounded.Token);
        var idleInTransaction = factory.Backend == Backend.PostgresValkey ? await IdleInTransactionSinceAsync(held) : 0;
        var retry = await factory.Script(e).SendAsync(ToolRequest(e, "slack", new { text = "slow" }, "send-slow"));
        webhook.Release();
        var first = await sending;
        var replay = await factory.Script(e).SendAsync(ToolRequest(e, "slack", new { text = "slow" }, "send-slow"));

        Assert.Equal(HttpStatusCode.OK, write.StatusCode);
        Assert.Equal(0, idleInTransaction);
        var problem = await retry.AssertProblemAsync(HttpStatusCode.Conflict, "idempotency_in_progress");
        Assert.Equal("1", retry.Headers.RetryAfter?.ToString());
        Assert.Equal(1, (int)problem["retryAfter"]!);
        Assert.Equal((HttpStatusCode.OK, HttpStatusCode.OK), (first.StatusCode, replay.StatusCode));
        Assert.True(replay.Headers.Contains("Idempotent-Replayed"));
        Assert.Single(webhook.Received, r => r.Path == "/hold");
    }

    [Fact]
    public async Task AFailedSendReleasesItsKeySoTheSameKeyCanTryAgain()
    {
        var e = await factory.CreateExecutionAsync();
        await PutCredentialAsync(e.UserId, "hook", new { tool = "webhook", secret = new { url = webhook.Url("/ok") } });

        var refused = await factory.Script(e).SendAsync(ToolRequest(e, "webhook", new { a = 1 }, "retry-me", credential: "missing"));
        var corrected = await factory.Script(e).SendAsync(ToolRequest(e, "webhook", new { a = 1 }, "retry-me-2", credential: "hook"));
        var again = await factory.Script(e).SendAsync(ToolRequest(e, "webhook", new { a = 1 }, "retry-me", credential: "missing"));

        await refused.AssertProblemAsync(HttpStatusCode.NotFound, "credential_not_found");
        await again.AssertProblemAsync(HttpStatusCode.NotFound, "credential_not_found");
        Assert.Equal(HttpStatusCode.OK, corrected.StatusCode);
    }

    [Fact]
    public async Task AHugeAnswerIsReadOnlyUpToTheCap()
    {
        var e = await factory.CreateExecutionAsync();
        await PutCredentialAsync(e.UserId, "hook", new { tool = "webhook", secret = new { url = webhook.Url("/huge") } });

        var response = await factory.Script(e).SendAsync(ToolRequest(e, "webhook", new { a = 1 }, credential: "hook"));

        var result = await response.BodyAsync();
        Assert.True((bool)result["success"]!);
        Assert.True((bool)result["data"]!["bodyTruncated"]!);
        Assert.Equal(64 * 1024, ((string)result["data"]!["body"]!).Length);
        // The rest was never read: the provider could not write more than the cap and the sockets' buffers hold.
        Assert.InRange(webhook.HugeBytesWritten, 0, 32L * 1024 * 1024);
    }

    [Fact]
    public async Task TooManyActionsInFlightForOneExecutionAreRateLimited()
    {
        var e = await factory.CreateExecutionAsync();
        await PutCredentialAsync(e.UserId, "slack", new { tool = "slack", secret = new { url = webhook.Url("/hold") } });

        var inFlight = Enumerable.Range(0, 4).Select(i => factory.Script(e).SendAsync(ToolRequest(e, "slack", new { text = $"n{i}" }))).ToList();
        await webhook.Held.WaitAsync(TimeSpan.FromSeconds(30));
        HttpResponseMessage? fifth = null;
        for (var i = 0; i < 100 && webhook.Received.Count(r => r.Path == "/hold") < 4; i++) await Task.Delay(50);
        fifth = await factory.Script(e).SendAsync(ToolRequest(e, "slack", new { text = "one too many" }));
        for (var i = 0; i < 4; i++) webhook.Release();
        var answers = await Task.WhenAll(inFlight);

        await fifth.AssertProblemAsync(HttpStatusCode.TooManyRequests, "rate_limited");
        Assert.All(answers, a => Assert.Equal(HttpStatusCode.OK, a.StatusCode));
    }

    /// <summary>
    /// Connections idle in a transaction since before <paramref name="before"/>: one held across the provider's whole
    /// answer. A background writer's transaction sampled between two of its statements began later, and is not one
    /// (counting those made this test fail now and then under load).
    /// </summary>
    private async Task<long> IdleInTransactionSinceAsync(DateTime before)
    {
        await using var connection = new NpgsqlConnection(factory.Postgres);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND state LIKE 'idle in transaction%' AND pid <> pg_backend_pid() AND state_change < @before",
            connection);
        command.Parameters.AddWithValue("before", before);
        return (long)(await command.ExecuteScalarAsync())!;
    }

    private async Task<DateTime> DatabaseNowAsync()
    {
        await using var connection = new NpgsqlConnection(factory.Postgres);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT clock_timestamp()", connection);
        return (DateTime)(await command.ExecuteScalarAsync())!;
    }
}

public sealed class SqliteToolActionSafetyTests(SqliteRuntime runtime) : ToolActionSafetySuite(runtime.Factory), IClassFixture<SqliteRuntime>;

public sealed class PostgresToolActionSafetyTests(PostgresRuntime runtime) : ToolActionSafetySuite(runtime.Factory), IClassFixture<PostgresRuntime>;

/// <summary>Where tool actions may go: only public addresses and the networks the operator allows, never the runtime itself.</summary>
public sealed class OutboundPolicyTests : IDisposable
{
    private readonly LocalWebhook webhook = new();
    private readonly LocalSmtp smtp = new();
    private readonly RuntimeFactory strict = new(Backend.Sqlite, new Dictionary<string, string?> { ["Runtime:ToolActions:AllowedNetworks:0"] = "" });

    public void Dispose()
    {
        strict.Dispose();
        webhook.Dispose();
        smtp.Dispose();
    }

    [Theory]
    [InlineData("http://127.0.0.1:{port}/x?token={canary}")]
    [InlineData("http://localhost:{port}/x?token={canary}")]
    [InlineData("http://[::1]:{port}/x?token={canary}")]
    [InlineData("http://[::ffff:127.0.0.1]:{port}/x?token={canary}")]
    [InlineData("http://10.0.0.1:{port}/x?token={canary}")]
    [InlineData("http://169.254.169.254/latest/meta-data/")]
    [InlineData("http://192.168.1.1/")]
    [InlineData("http://[fd00::1]/")]
    [InlineData("http://0.0.0.0:{port}/x?token={canary}")]
    public async Task AWebhookToAnAddressNotAllowedIsRefusedAndNothingIsSent(string url)
    {
        var e = await strict.CreateExecutionAsync();
        var target = url.Replace("{port}", webhook.Port.ToString()).Replace("{canary}", Canary.Marker);
        await strict.Orchestrator().PutAsync($"/v1/users/{e.UserId}/tool-credentials/hook", Api.Json(new { tool = "webhook", secret = new { url = target } }));

        var response = await strict.Script(e).PostAsync($"/v1/executions/{e.ExecutionId}/tool-actions", Api.Json(new { tool = "webhook", action = "send", credential = "hook", @params = new { a = 1 } }));

        var result = await response.BodyAsync();
        Assert.False((bool)result["success"]!);
        Assert.Contains("not an address tool actions may reach", (string)result["error"]!);
        Assert.DoesNotContain(target, result.ToJsonString());
        Assert.Empty(webhook.Received);
    }

    [Fact]
    public async Task AnSmtpHostNotAllowedIsRefusedWithAPlainReason()
    {
        var e = await strict.CreateExecutionAsync();
        await strict.Orchestrator().PutAsync($"/v1/users/{e.UserId}/tool-credentials/mail",
            Api.Json(new { tool = "email", secret = new { label = Canary.Marker, host = "127.0.0.1", port = smtp.Port, from = "a@example.test", useTls = false } }));

        var response = await strict.Script(e).PostAsync($"/v1/executions/{e.ExecutionId}/tool-actions",
            Api.Json(new { tool = "email", action = "send", credential = "mail", @params = new { to = "b@example.test", subject = "s", body = "b" } }));

        var result = await response.BodyAsync();
        Assert.False((bool)result["success"]!);
        Assert.Contains("email: the destination is not an address tool actions may reach", (string)result["error"]!);
        Assert.Empty(smtp.Messages);
    }

    [Fact]
    public async Task TheRuntimesOwnListenerIsRefusedEvenWhenLoopbackIsAllowed()
    {
        using var folder = new TempFolderForSqlite();
        await using var app = Program.CreateApp(["--urls", "http://127.0.0.1:0"], b => b.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Runtime:SigningKey"] = RuntimeFactory.SigningKey,
            ["Runtime:CredentialKey"] = RuntimeFactory.CredentialKey,
            ["Runtime:OrchestratorKeys:0"] = RuntimeFactory.OrchestratorKey,
            ["Runtime:SqlitePath"] = folder.Database,
            ["Runtime:ToolActions:AllowedNetworks:0"] = "127.0.0.0/8",
        }));
        await app.StartAsync();
        var self = app.Urls.Single();
        using var client = new HttpClient { BaseAddress = new Uri(self) };
        client.DefaultRequestHeaders.Authorization = new("Bearer", RuntimeFactory.OrchestratorKey);
        var created = JsonNode.Parse(await (await client.PostAsync("/v1/executions", Api.Json(new { @event = new { id = "e", name = "e", type = "BASH" }, userId = "u" }))).Content.ReadAsStringAsync())!;
        await client.PutAsync("/v1/users/u/tool-credentials/self", Api.Json(new { tool = "webhook", secret = new { url = self + "/metrics" } }));
        client.DefaultRequestHeaders.Authorization = new("Bearer", (string)created["token"]!);

        var response = await client.PostAsync($"/v1/executions/{created["executionId"]}/tool-actions", Api.Json(new { tool = "webhook", action = "send", credential = "self", @params = new { } }));

        var result = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        Assert.False((bool)result["success"]!);
        Assert.DoesNotContain("process_", result.ToJsonString());
        await app.StopAsync();
    }

    [Fact]
    public async Task SmtpFailuresAreSuccessFalseWithOnePlainReasonAndTheWholeSendIsBounded()
    {
        using var stall = new LocalStall();
        using var factory = new RuntimeFactory(Backend.Sqlite, new Dictionary<string, string?> { ["Runtime:ToolActions:TimeoutSeconds"] = "2" });
        var e = await factory.CreateExecutionAsync();
        async Task<JsonObject> SendAsync(object secret)
        {
            await factory.Orchestrator().PutAsync($"/v1/users/{e.UserId}/tool-credentials/mail", Api.Json(new { tool = "email", secret }));
            var response = await factory.Script(e).PostAsync($"/v1/executions/{e.ExecutionId}/tool-actions",
                Api.Json(new { tool = "email", action = "send", credential = "mail", @params = new { to = "b@example.test", subject = "s", body = "b" } }));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            return await response.BodyAsync();
        }

        // No STARTTLS on the stand-in, but the credential asks for TLS: a 500 before the fix.
        var noTls = await SendAsync(new { host = "127.0.0.1", port = smtp.Port, from = "a@example.test", useTls = true });
        // An HTTP server is not an SMTP server: before, its words came back (a way to probe ports).
        var notSmtp = await SendAsync(new { host = "127.0.0.1", port = webhook.Port, from = "a@example.test", useTls = false });
        var nobody = await SendAsync(new { host = "127.0.0.1", port = LocalWebhook.FreePort(), from = "a@example.test", useTls = false });
        var silent = await SendAsync(new { host = "127.0.0.1", port = stall.Port, from = "a@example.test", useTls = false });

        // Closed, silent and not-SMTP read the same: an SMTP credential must not tell open ports from closed ones.
        Assert.All(new[] { noTls, notSmtp, nobody, silent }, r => Assert.Equal(
            "email: could not talk to the SMTP server (not reachable, not speaking SMTP, or without the TLS asked for)", (string)r["error"]!));
        Assert.All(new[] { noTls, notSmtp, nobody, silent }, r => Assert.False((bool)r["success"]!));
    }

    private sealed class TempFolderForSqlite : IDisposable
    {
        private readonly DirectoryInfo dir = Directory.CreateTempSubdirectory("cronium-self-");

        public string Database => Path.Combine(dir.FullName, "runtime.db");

        public void Dispose() => dir.Delete(recursive: true);
    }
}
