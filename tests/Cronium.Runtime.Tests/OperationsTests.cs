using System.Diagnostics.Tracing;
using System.Net;
using Cronium.Runtime.Storage;
using Cronium.Runtime.Tests.Infrastructure;
using Dapper;

namespace Cronium.Runtime.Tests;

public sealed class OperationsTests(PostgresRuntime runtime) : IClassFixture<PostgresRuntime>
{
    private readonly RuntimeFactory factory = runtime.Factory;

    [Fact]
    public async Task HealthEndpointsAnswerWithoutCredentials()
    {
        using var client = factory.Client();

        var live = await client.GetAsync("/health/live");
        var ready = await client.GetAsync("/health/ready");

        Assert.Equal((HttpStatusCode.OK, "Healthy"), (live.StatusCode, await live.Content.ReadAsStringAsync()));
        Assert.Equal((HttpStatusCode.OK, "Healthy"), (ready.StatusCode, await ready.Content.ReadAsStringAsync()));
    }

    [Fact]
    public async Task MetricsCountRequestsAndLatenciesPerOperation()
    {
        var e = await factory.CreateExecutionAsync();
        await factory.Script(e).GetAsync(e.VariablePath("absent"));

        await factory.Client().GetStringAsync("/metrics");
        var metrics = await (await factory.Client().GetAsync("/metrics")).Content.ReadAsStringAsync();

        Assert.Contains("http_requests_received_total{code=\"4xx\",method=\"GET\"", metrics);
        Assert.Matches("http_request_duration_seconds_bucket\\{[^}]*operation=\"getVariable\"", metrics);
        Assert.Matches("http_request_duration_seconds_count\\{[^}]*operation=\"createExecution\"[^}]*\\} [1-9]", metrics);
        // The scrape itself is in progress while it is written; the one before it has ended.
        Assert.Contains("http_requests_in_progress{method=\"GET\",operation=\"getMetrics\",endpoint=\"/metrics\"} 1", metrics);
    }

    [Fact]
    public async Task AMethodTheApiDoesNotHaveIsCountedAsOtherNotAsANewSeries()
    {
        using var client = factory.Client();
        var invented = new HttpMethod("BREW" + Guid.NewGuid().ToString("N")[..6].ToUpperInvariant());
        await client.SendAsync(new HttpRequestMessage(invented, "/health/live"));

        var metrics = await client.GetStringAsync("/metrics");

        Assert.DoesNotContain(invented.Method, metrics);
        // The health routes answer any method.
        Assert.Contains("http_requests_received_total{code=\"2xx\",method=\"other\",operation=\"getLiveness\"", metrics);
    }

    [Fact]
    public async Task MetricsReadEventCountersWithoutTurningOnPerRequestEvents()
    {
        await (await factory.Client().GetAsync("/metrics")).Content.ReadAsStringAsync();
        var hosting = EventSource.GetSources().Single(s => s.Name == "Microsoft.AspNetCore.Hosting");

        // The adapter starts listening on the first scrape; wait for it to reach the source (its counters need that).
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (!hosting.IsEnabled(EventLevel.Critical, EventKeywords.All) && DateTime.UtcNow < deadline) await Task.Delay(20);

        Assert.True(hosting.IsEnabled(EventLevel.Critical, EventKeywords.All), "the metrics' listener never reached the Hosting event source");
        Assert.False(hosting.IsEnabled(EventLevel.Informational, EventKeywords.All), "per-request events are on");
    }

    [Fact]
    public async Task MetricsLeaveOutTheFrameworksPerRequestMetersWhichRepeatOurs()
    {
        using var client = factory.Client();
        await client.GetStringAsync("/metrics");
        var e = await factory.CreateExecutionAsync();
        await factory.Script(e).GetAsync(e.VariablePath("absent"));

        var metrics = await client.GetStringAsync("/metrics");

        Assert.Matches("http_request_duration_seconds_count\\{[^}]*operation=\"getVariable\"", metrics);
        Assert.DoesNotMatch("http_server_request_duration|routing_match_attempts|authorization_attempts|memory_pool_rented", metrics);
    }

    [Fact]
    public async Task SwaggerUiShowsTheContractServedAsWritten()
    {
        using var client = factory.Client();

        var ui = await client.GetAsync("/swagger/index.html");
        var config = await client.GetStringAsync("/swagger/index.js");
        var document = await client.GetAsync("/openapi.yaml");

        Assert.Equal(HttpStatusCode.OK, ui.StatusCode);
        Assert.Contains("/openapi.yaml", config);
        Assert.Equal("application/yaml", document.Content.Headers.ContentType?.MediaType);
        Assert.Equal(await File.ReadAllTextAsync(Path.Combine(AppContext.BaseDirectory, "openapi.yaml")), await document.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task EveryScriptCallIsAuditedIncludingRefusedOnes()
    {
        var e = await factory.CreateExecutionAsync();
        using var script = factory.Script(e);
        await script.PutAsync(e.VariablePath("audited"), Api.Json(new { value = 1 }));
        await script.GetAsync(e.VariablePath("missing"));
        await factory.CompleteAsync(e);
        await script.GetAsync($"/v1/executions/{e.ExecutionId}/input");

        var rows = await PollAuditAsync(e.ExecutionId, expected: 3);

        Assert.Equal(
            [("setVariable", "audited", 200, null), ("getVariable", "missing", 404, "variable_not_found"), ("getInput", null, 401, "execution_finished")],
            rows.Select(r => (r.Operation, r.Key, r.Status, r.Code)));
        Assert.Equal(e.UserId, rows[0].UserId);
    }

    [Fact]
    public async Task SecretsNeverAppearInLogsOrProblems()
    {
        var e = await factory.CreateExecutionAsync();
        using var script = factory.Script(e);
        using var admin = factory.Orchestrator();
        await admin.PutAsync($"/v1/users/{e.UserId}/tool-credentials/slack", Api.Json(new { tool = "slack", secret = new { url = "http://127.0.0.1:9/hook-secret-123" } }));
        await script.GetAsync(e.VariablePath("nope"));
        await script.PostAsync($"/v1/executions/{e.ExecutionId}/tool-actions", Api.Json(new { tool = "slack", action = "send", @params = new { text = "hi" } }));
        await factory.Client("Bearer-garbage").GetAsync(e.VariablePath("x"));
        await factory.CompleteAsync(e);
        var refused = await script.GetAsync(e.VariablePath("nope"));

        var everything = string.Join("\n", factory.Logs) + await refused.Content.ReadAsStringAsync();
        Assert.DoesNotContain(e.Token, everything);
        Assert.DoesNotContain(e.Token.Split('.')[2], everything);
        Assert.DoesNotContain(RuntimeFactory.OrchestratorKey, everything);
        Assert.DoesNotContain(RuntimeFactory.SigningKey, everything);
        Assert.DoesNotContain(RuntimeFactory.CredentialKey, everything);
        Assert.DoesNotContain("hook-secret-123", everything);
    }

    private async Task<List<AuditRow>> PollAuditAsync(string executionId, int expected)
    {
        var dialect = factory.Service<SqlDialect>();
        for (var i = 0; ; i++)
        {
            await using var connection = await dialect.DataSource.OpenConnectionAsync();
            var rows = (await connection.QueryAsync<AuditRow>(
                "SELECT operation, key, status, code, user_id FROM audit_log WHERE execution_id = @Id ORDER BY id", new { Id = executionId })).AsList();
            if (rows.Count >= expected || i == 50) return rows;
            await Task.Delay(100);
        }
    }

    private sealed class AuditRow
    {
        public string Operation { get; set; } = "";
        public string? Key { get; set; }
        public int Status { get; set; }
        public string? Code { get; set; }
        public string? UserId { get; set; }
    }
}
