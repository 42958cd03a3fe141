using System.Net;
using System.Text.Json.Nodes;
using Cronium.Runtime.Tests.Infrastructure;

namespace Cronium.Runtime.Tests;

public abstract class ExecutionApiSuite(RuntimeFactory factory)
{
    [Fact]
    public async Task CreateExecutionReturnsTokenLocationAndDeadline()
    {
        using var client = factory.Orchestrator();
        var before = DateTimeOffset.UtcNow;

        var response = await client.PostAsync("/v1/executions", Api.Json(new
        {
            @event = new { id = "evt-9", name = "nightly report", type = "NODEJS" },
            userId = "alice@example",
            jobId = "job-7",
            input = new { rows = new[] { 1, 2 } },
            metadata = new { team = "ops" },
            workflow = new { id = "wf", runId = "run-1", nodeId = "n2" },
            attempt = 2,
            timeoutSeconds = 120,
        }));

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var body = await response.BodyAsync();
        var id = (string)body["executionId"]!;
        Assert.Equal($"/v1/executions/{id}", response.Headers.Location?.OriginalString);
        Assert.Equal(3, ((string)body["token"]!).Split('.').Length);
        var deadline = DateTimeOffset.Parse((string)body["deadline"]!);
        var expires = DateTimeOffset.Parse((string)body["expiresAt"]!);
        Assert.InRange(deadline - before, TimeSpan.FromSeconds(119), TimeSpan.FromSeconds(125));
        Assert.Equal(TimeSpan.FromSeconds(1), expires - deadline); // the tests' token grace
    }

    [Fact]
    public async Task ScriptSeesItsInputAndContextAndOrchestratorSeesOutputAndCondition()
    {
        var e = await factory.CreateExecutionAsync(input: new { greeting = "héllo", n = 3 },
            extra: new { jobId = "job-ctx", metadata = new { owner = "bob" }, workflow = new { id = "wf-1", runId = "r-1", nodeId = "node-a" } });
        using var script = factory.Script(e);
        using var admin = factory.Orchestrator();

        var input = await (await script.GetAsync($"/v1/executions/{e.ExecutionId}/input")).BodyAsync();
        var context = await (await script.GetAsync($"/v1/executions/{e.ExecutionId}/event")).BodyAsync();
        var output = await script.PutAsync($"/v1/executions/{e.ExecutionId}/output", Api.Json(new { data = new { done = true, items = new[] { "a" } } }));
        var condition = await script.PutAsync($"/v1/executions/{e.ExecutionId}/condition", Api.Json(new { condition = true }));
        var execution = await (await admin.GetAsync($"/v1/executions/{e.ExecutionId}")).BodyAsync();

        Assert.Equal("héllo", (string)input["data"]!["greeting"]!);
        Assert.Equal((e.ExecutionId, "job-ctx", e.UserId), ((string)context["executionId"]!, (string)context["jobId"]!, (string)context["userId"]!));
        Assert.Equal(("evt-1", "PYTHON"), ((string)context["event"]!["id"]!, (string)context["event"]!["type"]!));
        Assert.Equal("node-a", (string)context["workflow"]!["nodeId"]!);
        Assert.Equal("bob", (string)context["metadata"]!["owner"]!);
        Assert.Equal(HttpStatusCode.NoContent, output.StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, condition.StatusCode);
        Assert.Equal("running", (string)execution["status"]!);
        Assert.True((bool)execution["output"]!["done"]!);
        Assert.True((bool)execution["condition"]!);
        Assert.Equal(3, (int)execution["input"]!["n"]!);
    }

    [Fact]
    public async Task TheContextAlsoCarriesTheEventFlatAsCroniumScriptsReadIt()
    {
        var e = await factory.CreateExecutionAsync();
        using var script = factory.Script(e);

        var context = await (await script.GetAsync($"/v1/executions/{e.ExecutionId}/event")).BodyAsync();

        var nested = context["event"]!;
        var expected = ((string)nested["id"]!, (string)nested["name"]!, (string)nested["type"]!);
        Assert.Equal(expected, ((string)context["id"]!, (string)context["name"]!, (string)context["type"]!));
        Assert.Equal(expected, ((string)context["eventId"]!, (string)context["eventName"]!, (string)context["eventType"]!));
        Assert.Equal(("evt-1", "test event", "PYTHON"), expected);
    }

    [Fact]
    public async Task TheConditionReadsBackNullUntilSetThenTheLastValue()
    {
        var e = await factory.CreateExecutionAsync();
        using var script = factory.Script(e);
        var path = $"/v1/executions/{e.ExecutionId}/condition";

        var before = await (await script.GetAsync(path)).Content.ReadAsStringAsync();
        await script.PutAsync(path, Api.Json(new { condition = true }));
        var set = await (await script.GetAsync(path)).Content.ReadAsStringAsync();
        await script.PutAsync(path, Api.Json(new { condition = false }));
        var last = await (await script.GetAsync(path)).Content.ReadAsStringAsync();

        Assert.Equal(("{\"condition\":null}", "{\"condition\":true}", "{\"condition\":false}"), (before, set, last));
    }

    [Fact]
    public async Task AnotherExecutionsConditionIsNotReadable()
    {
        var mine = await factory.CreateExecutionAsync();
        var theirs = await factory.CreateExecutionAsync();

        var response = await factory.Script(mine).GetAsync($"/v1/executions/{theirs.ExecutionId}/condition");

        await response.AssertProblemAsync(HttpStatusCode.Forbidden, "execution_mismatch");
    }

    [Fact]
    public async Task InputIsNullWhenTheExecutionHasNone()
    {
        var e = await factory.CreateExecutionAsync();
        using var script = factory.Script(e);

        var response = await script.GetAsync($"/v1/executions/{e.ExecutionId}/input");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("{\"data\":null}", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task CompleteExecutionKillsTheTokenAndRecordsTheOutcome()
    {
        var e = await factory.CreateExecutionAsync();
        using var script = factory.Script(e);
        using var admin = factory.Orchestrator();
        Assert.Equal(HttpStatusCode.OK, (await script.GetAsync($"/v1/executions/{e.ExecutionId}/input")).StatusCode);

        var complete = await admin.PostAsync($"/v1/executions/{e.ExecutionId}/complete", Api.Json(new { status = "failed", exitCode = 3, error = "boom" }));
        var afterwards = await script.GetAsync($"/v1/executions/{e.ExecutionId}/input");
        var write = await script.PutAsync(e.VariablePath("late"), Api.Json(new { value = 1 }));

        Assert.Equal(HttpStatusCode.OK, complete.StatusCode);
        var body = await complete.BodyAsync();
        Assert.Equal(("failed", 3, "boom"), ((string)body["status"]!, (int)body["exitCode"]!, (string)body["error"]!));
        Assert.NotNull(body["completedAt"]);
        await afterwards.AssertProblemAsync(HttpStatusCode.Unauthorized, "execution_finished");
        await write.AssertProblemAsync(HttpStatusCode.Unauthorized, "execution_finished");
        using var reader = factory.Orchestrator();
        await (await reader.GetAsync($"/v1/users/{e.UserId}/variables/late")).AssertProblemAsync(HttpStatusCode.NotFound, "variable_not_found");
    }

    [Fact]
    public async Task CompletingTwiceWithTheSameStatusIsIdempotentAndAnotherStatusConflicts()
    {
        var e = await factory.CreateExecutionAsync();
        using var admin = factory.Orchestrator();

        var first = await admin.PostAsync($"/v1/executions/{e.ExecutionId}/complete", Api.Json(new { status = "timed_out" }));
        var same = await admin.PostAsync($"/v1/executions/{e.ExecutionId}/complete", Api.Json(new { status = "timed_out" }));
        var other = await admin.PostAsync($"/v1/executions/{e.ExecutionId}/complete", Api.Json(new { status = "succeeded" }));

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal(HttpStatusCode.OK, same.StatusCode);
        Assert.Equal("timed_out", (string)(await same.BodyAsync())["status"]!);
        await other.AssertProblemAsync(HttpStatusCode.Conflict, "execution_finished");
    }

    [Fact]
    public async Task UnknownExecutionsAreNotFound()
    {
        using var admin = factory.Orchestrator();
        var id = Guid.NewGuid();

        var get = await admin.GetAsync($"/v1/executions/{id}");
        var complete = await admin.PostAsync($"/v1/executions/{id}/complete", Api.Json(new { status = "cancelled" }));

        await get.AssertProblemAsync(HttpStatusCode.NotFound, "execution_not_found");
        await complete.AssertProblemAsync(HttpStatusCode.NotFound, "execution_not_found");
    }

    [Fact]
    public async Task InputOverTheLimitIsRefusedAndNothingIsCreated()
    {
        using var admin = factory.Orchestrator();
        var body = new JsonObject
        {
            ["event"] = new JsonObject { ["id"] = "e", ["name"] = "n", ["type"] = "BASH" },
            ["userId"] = "u",
            ["input"] = new string('i', 8 * 1024 * 1024),
        };

        var response = await admin.PostAsync("/v1/executions", Api.Json(body));

        var problem = await response.AssertProblemAsync(HttpStatusCode.RequestEntityTooLarge, "payload_too_large");
        Assert.Equal(8 * 1024 * 1024, (int)problem["limit"]!);
        Assert.Equal(8 * 1024 * 1024 + 2, (int)problem["received"]!);
    }

    [Fact]
    public async Task OutputOverTheLimitIsRefusedAndTheEarlierOutputKept()
    {
        var e = await factory.CreateExecutionAsync();
        using var script = factory.Script(e);
        await script.PutAsync($"/v1/executions/{e.ExecutionId}/output", Api.Json(new { data = "small" }));

        var response = await script.PutAsync($"/v1/executions/{e.ExecutionId}/output", Api.Json(new JsonObject { ["data"] = new string('o', 8 * 1024 * 1024) }));

        await response.AssertProblemAsync(HttpStatusCode.RequestEntityTooLarge, "payload_too_large");
        using var admin = factory.Orchestrator();
        Assert.Equal("small", (string)(await (await admin.GetAsync($"/v1/executions/{e.ExecutionId}")).BodyAsync())["output"]!);
    }
}

public sealed class SqliteExecutionApiTests(SqliteRuntime runtime) : ExecutionApiSuite(runtime.Factory), IClassFixture<SqliteRuntime>;

public sealed class PostgresExecutionApiTests(PostgresRuntime runtime) : ExecutionApiSuite(runtime.Factory), IClassFixture<PostgresRuntime>;
