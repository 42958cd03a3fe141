using System.Net;
using System.Text.Json.Nodes;
using Cronium.Runtime.Hosting;
using Cronium.Runtime.Storage;
using Cronium.Runtime.Tests.Infrastructure;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Cronium.Runtime.Tests;

/// <summary>Runs, their nodes and executions, and every execution's log: the records the CLI and a service read back.</summary>
public abstract class RunRecordSuite(RuntimeFactory factory)
{
    [Fact]
    public async Task AnEventRunGathersItsExecutionsAndTheirTriggers()
    {
        using var admin = factory.Orchestrator();
        var user = TestServices.UniqueUser();
        var run = await CreateRunAsync(admin, new { kind = "event", name = "import", userId = user, input = new { day = 1 } });
        var runId = (string)run["runId"]!;

        var root = await factory.CreateExecutionAsync(user, extra: new { runId });
        await factory.CompleteAsync(root);
        var follow = await factory.CreateExecutionAsync(user, extra: new { runId, trigger = new { executionId = root.ExecutionId, kind = "ON_SUCCESS" } });
        using var script = factory.Script(follow);
        var context = await (await script.GetAsync($"/v1/executions/{follow.ExecutionId}/event")).BodyAsync();
        await factory.CompleteAsync(follow, "failed");
        var shown = await (await admin.GetAsync($"/v1/runs/{runId}")).BodyAsync();

        Assert.Equal((runId, root.ExecutionId, "ON_SUCCESS"), ((string)context["runId"]!, (string)context["trigger"]!["executionId"]!, (string)context["trigger"]!["kind"]!));
        Assert.Equal(("event", "import", "running"), ((string)shown["kind"]!, (string)shown["name"]!, (string)shown["status"]!));
        Assert.Equal(1, (int)shown["input"]!["day"]!);
        var executions = shown["executions"]!.AsArray();
        Assert.Equal([root.ExecutionId, follow.ExecutionId], executions.Select(e => (string)e!["executionId"]!));
        Assert.Null(executions[0]!["trigger"]);
        Assert.Equal(("failed", "ON_SUCCESS"), ((string)executions[1]!["status"]!, (string)executions[1]!["trigger"]!["kind"]!));
        Assert.Empty(shown["nodes"]!.AsArray());
    }

    [Fact]
    public async Task AWorkflowRunsNodesMoveFromPendingToTheirEndWithTheirExecutionsData()
    {
        using var admin = factory.Orchestrator();
        var user = TestServices.UniqueUser();
        var run = await CreateRunAsync(admin, new { kind = "workflow", name = "nightly", userId = user, nodes = new[] { new { id = "fetch", kind = "event" }, new { id = "alert", kind = "tool" } } });
        var runId = (string)run["runId"]!;
        Assert.Equal(["pending", "pending"], run["nodes"]!.AsArray().Select(n => (string)n!["status"]!));

        var e = await factory.CreateExecutionAsync(user, input: new { a = 1 }, extra: new { workflow = new { id = "nightly", runId, nodeId = "fetch" } });
        var running = await admin.PutAsync($"/v1/runs/{runId}/nodes/fetch", Api.Json(new { status = "running", attempts = 1, executionId = e.ExecutionId }));
        using (var script = factory.Script(e))
        {
            await script.PutAsync($"/v1/executions/{e.ExecutionId}/output", Api.Json(new { data = new { rows = 3 } }));
            await script.PutAsync($"/v1/executions/{e.ExecutionId}/condition", Api.Json(new { condition = true }));
        }
        await factory.CompleteAsync(e);
        var done = await (await admin.PutAsync($"/v1/runs/{runId}/nodes/fetch", Api.Json(new { status = "succeeded" }))).BodyAsync();
        var skipped = await (await admin.PutAsync($"/v1/runs/{runId}/nodes/alert", Api.Json(new { status = "skipped" }))).BodyAsync();
        var completed = await (await admin.PostAsync($"/v1/runs/{runId}/complete", Api.Json(new { status = "succeeded" }))).BodyAsync();
        var late = await admin.PutAsync($"/v1/runs/{runId}/nodes/alert", Api.Json(new { status = "running" }));

        Assert.Equal(HttpStatusCode.OK, running.StatusCode);
        Assert.NotNull((string?)(await running.BodyAsync())["startedAt"]);
        Assert.Equal(("succeeded", 1, e.ExecutionId), ((string)done["status"]!, (int)done["attempts"]!, (string)done["executionId"]!));
        Assert.Equal((1, 3, true, 0), ((int)done["input"]!["a"]!, (int)done["output"]!["rows"]!, (bool)done["condition"]!, (int)done["exitCode"]!));
        Assert.NotNull((string?)done["completedAt"]);
        Assert.Equal(("skipped", 0), ((string)skipped["status"]!, (int)skipped["attempts"]!));
        Assert.Null(skipped["startedAt"]);
        Assert.Equal("succeeded", (string)completed["status"]!);
        Assert.Equal(["fetch", "alert"], completed["nodes"]!.AsArray().Select(n => (string)n!["nodeId"]!));
        Assert.Equal("fetch", (string)completed["executions"]![0]!["nodeId"]!);
        await late.AssertProblemAsync(HttpStatusCode.Conflict, "run_finished");
    }

    [Fact]
    public async Task CompletingARunAgainWithTheSameStatusAnswersAndWithAnotherIsRefused()
    {
        using var admin = factory.Orchestrator();
        var runId = (string)(await CreateRunAsync(admin, new { kind = "event", name = "x", userId = TestServices.UniqueUser() }))["runId"]!;

        var first = await admin.PostAsync($"/v1/runs/{runId}/complete", Api.Json(new { status = "failed", error = "boom" }));
        var again = await admin.PostAsync($"/v1/runs/{runId}/complete", Api.Json(new { status = "failed", error = "boom" }));
        var other = await admin.PostAsync($"/v1/runs/{runId}/complete", Api.Json(new { status = "succeeded" }));

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        Assert.Equal("boom", (string)(await again.BodyAsync())["error"]!);
        await other.AssertProblemAsync(HttpStatusCode.Conflict, "run_finished");
    }

    [Fact]
    public async Task RunsListNewestFirstAPageAtATimeAndByStatusKindAndName()
    {
        using var admin = factory.Orchestrator();
        var user = TestServices.UniqueUser();
        var name = "list-" + Guid.NewGuid().ToString("N")[..8];
        var ids = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            var runId = (string)(await CreateRunAsync(admin, new { kind = i == 4 ? "workflow" : "event", name, userId = user }))["runId"]!;
            ids.Add(runId);
            if (i % 2 == 0) await admin.PostAsync($"/v1/runs/{runId}/complete", Api.Json(new { status = "succeeded" }));
        }

        var seen = new List<string>();
        string? cursor = null;
        do
        {
            var page = await (await admin.GetAsync($"/v1/runs?name={name}&limit=2" + (cursor is null ? "" : "&cursor=" + cursor))).BodyAsync();
            Assert.True(page["items"]!.AsArray().Count <= 2);
            seen.AddRange(page["items"]!.AsArray().Select(r => (string)r!["runId"]!));
            cursor = (string?)page["nextCursor"];
        }
        while (cursor is not null);
        var succeeded = await (await admin.GetAsync($"/v1/runs?name={name}&status=succeeded")).BodyAsync();
        var workflows = await (await admin.GetAsync($"/v1/runs?name={name}&kind=workflow")).BodyAsync();

        Assert.Equal(Enumerable.Reverse(ids), seen);
        Assert.Equal([ids[4], ids[2], ids[0]], succeeded["items"]!.AsArray().Select(r => (string)r!["runId"]!));
        Assert.Equal([ids[4]], workflows["items"]!.AsArray().Select(r => (string)r!["runId"]!));
    }

    [Theory]
    [InlineData("/v1/runs?status=done", "status")]
    [InlineData("/v1/runs?kind=cron", "kind")]
    [InlineData("/v1/runs?cursor=%25%25", "cursor")]
    [InlineData("/v1/runs?limit=0", "limit")]
    public async Task BadRunQueriesAreRefusedNamingTheField(string path, string field)
    {
        using var admin = factory.Orchestrator();

        var problem = await (await admin.GetAsync(path)).AssertProblemAsync(HttpStatusCode.BadRequest, "validation_failed");

        Assert.NotNull(problem["errors"]![field]);
    }

    [Fact]
    public async Task UnknownRunsAndNodesAreNotFoundAndBadRequestsNameTheirField()
    {
        using var admin = factory.Orchestrator();
        var runId = (string)(await CreateRunAsync(admin, new { kind = "workflow", name = "w", userId = TestServices.UniqueUser(), nodes = new[] { new { id = "a", kind = "event" } } }))["runId"]!;

        await (await admin.GetAsync($"/v1/runs/{Guid.NewGuid()}")).AssertProblemAsync(HttpStatusCode.NotFound, "run_not_found");
        await (await admin.PutAsync($"/v1/runs/{runId}/nodes/nope", Api.Json(new { status = "running" }))).AssertProblemAsync(HttpStatusCode.NotFound, "run_not_found");
        await (await admin.PutAsync($"/v1/runs/{runId}/nodes/a", Api.Json(new { status = "exploded" }))).AssertProblemAsync(HttpStatusCode.BadRequest, "validation_failed");
        await (await admin.PostAsync($"/v1/runs/{runId}/complete", Api.Json(new { status = "running" }))).AssertProblemAsync(HttpStatusCode.BadRequest, "validation_failed");
        var duplicate = await admin.PostAsync("/v1/runs", Api.Json(new { kind = "workflow", name = "w", userId = "u", nodes = new[] { new { id = "a", kind = "event" }, new { id = "a", kind = "tool" } } }));
        await duplicate.AssertProblemAsync(HttpStatusCode.BadRequest, "validation_failed");
        var mismatch = await admin.PostAsync("/v1/executions", Api.Json(new
        {
            @event = new { id = "e", name = "e", type = "BASH" }, userId = "u", runId = "one", workflow = new { id = "w", runId = "two", nodeId = "a" },
        }));
        await mismatch.AssertProblemAsync(HttpStatusCode.BadRequest, "validation_failed");
        var badTrigger = await admin.PostAsync("/v1/executions", Api.Json(new { @event = new { id = "e", name = "e", type = "BASH" }, userId = "u", trigger = new { executionId = Guid.NewGuid(), kind = "SOMETIMES" } }));
        await badTrigger.AssertProblemAsync(HttpStatusCode.BadRequest, "validation_failed");
    }

    [Fact]
    public async Task LongLogChunksAfterAShortOneAreStoredWhole()
    {
        using var admin = factory.Orchestrator();
        var e = await factory.CreateExecutionAsync();
        var at = DateTimeOffset.UtcNow;
        // A batch as cronium run sends it under load: a short chunk first, then a longer one (this suite's log cap is 4096
        // bytes; past 4000 characters is what was cut).
        var texts = new[] { "short\n", new string('a', 4049) + "\n" };

        var appended = await admin.PostAsync(LogsPath(e), Api.Json(new { entries = texts.Select((text, i) => new { seq = i + 1, at, stream = "stdout", text }) }));
        var log = await (await admin.GetAsync(LogsPath(e))).BodyAsync();

        Assert.Equal(HttpStatusCode.OK, appended.StatusCode);
        Assert.Equal(texts, log["items"]!.AsArray().Select(i => (string)i!["text"]!));
    }

    [Fact]
    public async Task LogsReadBackInOrderAndARetriedBatchIsStoredOnce()
    {
        using var admin = factory.Orchestrator();
        var e = await factory.CreateExecutionAsync();
        var at = DateTimeOffset.UtcNow;
        object Entry(int seq, string stream, string text) => new { seq, at = at.AddMilliseconds(seq), stream, text };

        var first = await admin.PostAsync(LogsPath(e), Api.Json(new { entries = new[] { Entry(1, "stdout", "one\n"), Entry(2, "stderr", "warn: héllo\n") } }));
        var retry = await admin.PostAsync(LogsPath(e), Api.Json(new { entries = new[] { Entry(1, "stdout", "one\n"), Entry(2, "stderr", "warn: héllo\n") } }));
        await admin.PostAsync(LogsPath(e), Api.Json(new { entries = new[] { Entry(2, "stderr", "warn: héllo\n"), Entry(3, "stdout", "two\n") } }));
        var running = await (await admin.GetAsync(LogsPath(e))).BodyAsync();
        var paged = await (await admin.GetAsync(LogsPath(e) + "?after=1&limit=1")).BodyAsync();
        await factory.CompleteAsync(e);
        var ended = await (await admin.GetAsync(LogsPath(e))).BodyAsync();
        var late = await admin.PostAsync(LogsPath(e), Api.Json(new { entries = new[] { Entry(4, "stdout", "late\n") } }));

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        var retried = await retry.BodyAsync();
        Assert.Equal((2, 17), ((int)retried["lastSeq"]!, (int)retried["storedBytes"]!));
        Assert.Equal(["one\n", "warn: héllo\n", "two\n"], running["items"]!.AsArray().Select(i => (string)i!["text"]!));
        Assert.Equal(["stdout", "stderr", "stdout"], running["items"]!.AsArray().Select(i => (string)i!["stream"]!));
        Assert.Equal((3, false), ((int)running["nextAfter"]!, (bool)running["complete"]!));
        Assert.Equal(["warn: héllo\n"], paged["items"]!.AsArray().Select(i => (string)i!["text"]!));
        Assert.Equal((2, false), ((int)paged["nextAfter"]!, (bool)paged["complete"]!));
        Assert.True((bool)ended["complete"]!);
        Assert.Equal("succeeded", (string)ended["status"]!);
        await late.AssertProblemAsync(HttpStatusCode.Conflict, "execution_finished");
    }

    [Fact]
    public async Task ALogPastItsCapSaysSoInTheLogAndKeepsNothingMore()
    {
        using var admin = factory.Orchestrator();
        var e = await factory.CreateExecutionAsync();
        var chunk = new string('x', 1000) + "\n";

        AppendLogsResult last = default;
        for (var seq = 1; seq <= 8; seq++)
        {
            var body = await (await admin.PostAsync(LogsPath(e), Api.Json(new { entries = new[] { new { seq, at = DateTimeOffset.UtcNow, stream = "stdout", text = chunk } } }))).BodyAsync();
            last = new AppendLogsResult((int)body["lastSeq"]!, (int)body["storedBytes"]!, (bool)body["truncated"]!);
        }
        var log = await (await admin.GetAsync(LogsPath(e))).BodyAsync();
        var items = log["items"]!.AsArray();

        Assert.Equal(new AppendLogsResult(8, 4 * 1001, true), last);
        Assert.Equal(5, items.Count);
        Assert.All(items.Take(4), i => Assert.Equal(chunk, (string)i!["text"]!));
        Assert.Equal("system", (string)items[4]!["stream"]!);
        Assert.Contains("cap of 4096 bytes", (string)items[4]!["text"]!);
        Assert.True((bool)log["truncated"]!);
    }

    [Fact]
    public async Task BadLogBatchesAreRefusedAndUnknownExecutionsAreNotFound()
    {
        using var admin = factory.Orchestrator();
        var e = await factory.CreateExecutionAsync();
        var now = DateTimeOffset.UtcNow;

        var unordered = await admin.PostAsync(LogsPath(e), Api.Json(new { entries = new[] { new { seq = 2, at = now, stream = "stdout", text = "b" }, new { seq = 1, at = now, stream = "stdout", text = "a" } } }));
        var system = await admin.PostAsync(LogsPath(e), Api.Json(new { entries = new[] { new { seq = 1, at = now, stream = "system", text = "forged" } } }));
        var empty = await admin.PostAsync(LogsPath(e), Api.Json(new { entries = Array.Empty<object>() }));
        var unknown = await admin.GetAsync($"/v1/executions/{Guid.NewGuid()}/logs");
        var asScript = await factory.Script(e).GetAsync(LogsPath(e));

        await unordered.AssertProblemAsync(HttpStatusCode.BadRequest, "validation_failed");
        await system.AssertProblemAsync(HttpStatusCode.BadRequest, "validation_failed");
        await empty.AssertProblemAsync(HttpStatusCode.BadRequest, "validation_failed");
        await unknown.AssertProblemAsync(HttpStatusCode.NotFound, "execution_not_found");
        await asScript.AssertProblemAsync(HttpStatusCode.Forbidden, "forbidden");
    }

    [Fact]
    public async Task EndedRunsExecutionsAndLogsPastTheirRetentionArePrunedAndRunningOnesStay()
    {
        using var admin = factory.Orchestrator();
        var user = TestServices.UniqueUser();
        var ended = (string)(await CreateRunAsync(admin, new { kind = "workflow", name = "old", userId = user, nodes = new[] { new { id = "a", kind = "event" } } }))["runId"]!;
        var endedExecution = await factory.CreateExecutionAsync(user, extra: new { runId = ended });
        await admin.PostAsync(LogsPath(endedExecution), Api.Json(new { entries = new[] { new { seq = 1, at = DateTimeOffset.UtcNow, stream = "stdout", text = "old\n" } } }));
        await factory.CompleteAsync(endedExecution);
        await admin.PostAsync($"/v1/runs/{ended}/complete", Api.Json(new { status = "succeeded" }));
        var going = (string)(await CreateRunAsync(admin, new { kind = "event", name = "long", userId = user }))["runId"]!;
        var goingExecution = await factory.CreateExecutionAsync(user, extra: new { runId = going });
        await factory.CompleteAsync(goingExecution);

        await factory.PruneAsOfAsync(TimeSpan.FromDays(31));

        await (await admin.GetAsync($"/v1/runs/{ended}")).AssertProblemAsync(HttpStatusCode.NotFound, "run_not_found");
        await (await admin.GetAsync($"/v1/executions/{endedExecution.ExecutionId}")).AssertProblemAsync(HttpStatusCode.NotFound, "execution_not_found");
        await (await admin.GetAsync(LogsPath(endedExecution))).AssertProblemAsync(HttpStatusCode.NotFound, "execution_not_found");
        Assert.Equal(HttpStatusCode.OK, (await admin.GetAsync($"/v1/runs/{going}")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await admin.GetAsync($"/v1/executions/{goingExecution.ExecutionId}")).StatusCode);
    }

    [Fact]
    public async Task OfRacingExclusiveRunsOfADefinitionOnlyOneIsMadeUntilItEnds()
    {
        using var admin = factory.Orchestrator();
        var user = TestServices.UniqueUser();
        var name = $"skip-{Guid.NewGuid():N}";
        object Exclusive() => new { kind = "event", name, userId = user, exclusive = true };

        // Eight at once, as fires of one schedule on several instances: the store decides, not a look beforehand.
        var racing = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => admin.PostAsync("/v1/runs", Api.Json(Exclusive()))));
        var made = racing.Where(r => r.StatusCode == HttpStatusCode.Created).ToList();
        foreach (var refused in racing.Where(r => r.StatusCode != HttpStatusCode.Created))
            await refused.AssertProblemAsync(HttpStatusCode.Conflict, "run_active");
        var alongside = await admin.PostAsync("/v1/runs", Api.Json(new { kind = "event", name, userId = user }));
        var otherDefinition = await admin.PostAsync("/v1/runs", Api.Json(new { kind = "workflow", name, userId = user, exclusive = true }));
        var first = (string)(await made.Single().BodyAsync())["runId"]!;
        Assert.Equal(HttpStatusCode.OK, (await admin.PostAsync($"/v1/runs/{first}/complete", Api.Json(new { status = "succeeded" }))).StatusCode);
        var afterItEnded = await admin.PostAsync("/v1/runs", Api.Json(Exclusive()));

        Assert.Equal(HttpStatusCode.Created, alongside.StatusCode); // one not exclusive is never refused
        Assert.Equal(HttpStatusCode.Created, otherDefinition.StatusCode);
        Assert.Equal(HttpStatusCode.Created, afterItEnded.StatusCode);
    }

    private static string LogsPath(Execution e) => $"/v1/executions/{e.ExecutionId}/logs";

    private static async Task<JsonObject> CreateRunAsync(HttpClient admin, object body)
    {
        var response = await admin.PostAsync("/v1/runs", Api.Json(body));
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var run = await response.BodyAsync();
        Assert.Equal($"/v1/runs/{run["runId"]}", response.Headers.Location?.OriginalString);
        return run;
    }

    private readonly record struct AppendLogsResult(int LastSeq, int StoredBytes, bool Truncated);
}

public sealed class SqliteRunRecordTests(SmallLogCapSqliteRuntime runtime) : RunRecordSuite(runtime.Factory), IClassFixture<SmallLogCapSqliteRuntime>;

public sealed class PostgresRunRecordTests(SmallLogCapPostgresRuntime runtime) : RunRecordSuite(runtime.Factory), IClassFixture<SmallLogCapPostgresRuntime>;
