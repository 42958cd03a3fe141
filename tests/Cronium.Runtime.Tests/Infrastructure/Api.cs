using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Cronium.Runtime.Tests.Infrastructure;

public sealed record Execution(string ExecutionId, string Token, string UserId);

/// <summary>What most tests do first: an execution, made through createExecution, and a client holding its real token.</summary>
public static class Api
{
    public static async Task<Execution> CreateExecutionAsync(this RuntimeFactory factory, string? userId = null, object? input = null, int timeoutSeconds = 600, object? extra = null)
    {
        userId ??= TestServices.UniqueUser();
        var body = new JsonObject
        {
            ["event"] = new JsonObject { ["id"] = "evt-1", ["name"] = "test event", ["type"] = "PYTHON" },
            ["userId"] = userId,
            ["timeoutSeconds"] = timeoutSeconds,
        };
        if (input is not null) body["input"] = JsonSerializer.SerializeToNode(input);
        if (extra is not null)
            foreach (var (k, v) in JsonSerializer.SerializeToNode(extra)!.AsObject()) body[k] = v?.DeepClone();

        using var client = factory.Orchestrator();
        var response = await client.PostAsync("/v1/executions", Json(body));
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var created = await response.Content.ReadFromJsonAsync<JsonObject>();
        return new Execution((string)created!["executionId"]!, (string)created["token"]!, userId);
    }

    public static HttpClient Script(this RuntimeFactory factory, Execution execution) => factory.Client(execution.Token);

    public static StringContent Json(object body) =>
        new(body is string s ? s : JsonSerializer.Serialize(body, body.GetType()), Encoding.UTF8, "application/json");

    public static async Task<JsonObject> BodyAsync(this HttpResponseMessage response) =>
        (await response.Content.ReadFromJsonAsync<JsonObject>())!;

    /// <summary>Asserts a problem: the status first, then its stable code.</summary>
    public static async Task<JsonObject> AssertProblemAsync(this HttpResponseMessage response, HttpStatusCode status, string code)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(status == response.StatusCode, $"expected {(int)status}, got {(int)response.StatusCode}: {text}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = JsonNode.Parse(text)!.AsObject();
        Assert.Equal(code, (string?)problem["code"]);
        Assert.False(string.IsNullOrEmpty((string?)problem["traceId"]));
        return problem;
    }

    public static string VariablePath(this Execution e, string key) => $"/v1/executions/{e.ExecutionId}/variables/{Uri.EscapeDataString(key)}";

    public static async Task CompleteAsync(this RuntimeFactory factory, Execution e, string status = "succeeded")
    {
        using var client = factory.Orchestrator();
        var response = await client.PostAsync($"/v1/executions/{e.ExecutionId}/complete", Json(new { status, exitCode = 0 }));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }
}
