using System.Net;
using System.Text.Json.Nodes;
using Cronium.Runtime.Tests.Infrastructure;

namespace Cronium.Runtime.Tests;

/// <summary>getLogs and getRun followed live (Accept: text/event-stream), as a CLI or a UI watches a job.</summary>
public abstract class StreamSuite(RuntimeFactory factory)
{
    [Fact]
    public async Task AFollowerSeesEveryLogLineInOrderWhileTheyAreWrittenThenTheEnd()
    {
        using var admin = factory.Orchestrator();
        var e = await factory.CreateExecutionAsync();
        await using var follow = await EventStream.OpenAsync(admin, LogsPath(e));

        // Written while the follower reads: 40 batches of 3 lines, then the execution ends. The first 10 batches
        // each wait until the follower has them, so lines land across many polls; the rest come as fast as they can.
        var received = 0;
        var writer = Task.Run(async () =>
        {
            using var orchestrator = factory.Orchestrator();
            for (var batch = 0; batch < 40; batch++)
            {
                var entries = Enumerable.Range(batch * 3 + 1, 3).Select(seq => Entry(seq)).ToArray();
                Assert.Equal(HttpStatusCode.OK, (await orchestrator.PostAsync(LogsPath(e), Api.Json(new { entries }))).StatusCode);
                var through = (batch + 1) * 3;
                if (batch < 10) await Eventually.UntilAsync(() => Volatile.Read(ref received) >= through, $"the follower to see line {through}");
            }
            await factory.CompleteAsync(e, "failed");
        });
        var events = await follow.ToEndAsync(_ => Interlocked.Increment(ref received));
        await writer;

        var lines = events.SkipLast(1).ToList();
        Assert.All(lines, l => Assert.Equal("log", l.Type));
        Assert.Equal(Enumerable.Range(1, 120).Select(i => i.ToString()), lines.Select(l => l.Id));
        Assert.Equal(Enumerable.Range(1, 120).Select(Text), lines.Select(l => (string)l.Data!["text"]!));
        Assert.All(lines, l => Assert.Empty(OpenApiContract.Instance.ValidateComponent("LogEntry", l.Data)));
        Assert.Equal(("end", "failed"), (events[^1].Type, (string)events[^1].Data!["status"]!));
    }

    [Fact]
    public async Task AFollowerThatReconnectsWithLastEventIdMissesNoLineAndSeesNoneTwice()
    {
        using var admin = factory.Orchestrator();
        var e = await factory.CreateExecutionAsync();
        await Append(admin, e, 1, 10);

        var before = new List<StreamEvent>();
        await using (var first = await EventStream.OpenAsync(admin, LogsPath(e)))
        {
            for (var i = 0; i < 4; i++) before.Add(await first.NextAsync());
        }
        // Lost the connection after seq 4; more is written, and the execution ends, before it comes back.
        await Append(admin, e, 11, 20);
        await factory.CompleteAsync(e);
        // A browser reconnects to the same URL (with its `after`) and sends the last id it saw: the header wins.
        await using var second = await EventStream.OpenAsync(admin, LogsPath(e) + "?after=0", lastEventId: before[^1].Id);
        var after = await second.ToEndAsync();

        var seqs = before.Concat(after.SkipLast(1)).Select(ev => long.Parse(ev.Id!)).ToList();
        Assert.Equal(Enumerable.Range(1, 20).Select(i => (long)i), seqs);
        Assert.Equal(("end", "succeeded"), (after[^1].Type, (string)after[^1].Data!["status"]!));
    }

    [Fact]
    public async Task AFollowFromAfterStartsThereAndAnEndedLogEndsAtOnce()
    {
        using var admin = factory.Orchestrator();
        var e = await factory.CreateExecutionAsync();
        await Append(admin, e, 1, 5);
        await factory.CompleteAsync(e, "timed_out");

        await using var follow = await EventStream.OpenAsync(admin, LogsPath(e) + "?after=3");
        var events = await follow.ToEndAsync();

        Assert.Equal(["4", "5", null], events.Select(ev => ev.Id));
        Assert.Equal("timed_out", (string)events[^1].Data!["status"]!);
    }

    [Fact]
    public async Task AFollowOfAnUnknownExecutionIsNotFoundAndABadLastEventIdIsRefused()
    {
        using var admin = factory.Orchestrator();
        var e = await factory.CreateExecutionAsync();

        var unknown = await admin.SendAsync(EventStream.Request($"/v1/executions/{Guid.NewGuid()}/logs"));
        var badId = await admin.SendAsync(EventStream.Request(LogsPath(e), lastEventId: "seven"));
        var unknownRun = await admin.SendAsync(EventStream.Request($"/v1/runs/{Guid.NewGuid()}"));

        await unknown.AssertProblemAsync(HttpStatusCode.NotFound, "execution_not_found");
        var problem = await badId.AssertProblemAsync(HttpStatusCode.BadRequest, "validation_failed");
        Assert.NotNull(problem["errors"]!["Last-Event-ID"]);
        await unknownRun.AssertProblemAsync(HttpStatusCode.NotFound, "run_not_found");
        await factory.CompleteAsync(e);
    }

    [Fact]
    public async Task ARunFollowerSeesEachNodeChangeThenTheEnd()
    {
        using var admin = factory.Orchestrator();
        var created = await (await admin.PostAsync("/v1/runs", Api.Json(new
        {
            kind = "workflow", name = "watched", userId = TestServices.UniqueUser(), nodes = new[] { new { id = "a", kind = "event" }, new { id = "b", kind = "tool" } },
        }))).BodyAsync();
        var runId = (string)created["runId"]!;
        await using var follow = await EventStream.OpenAsync(admin, $"/v1/runs/{runId}");

        var seen = new List<StreamEvent> { await follow.NextAsync() };
        // One change at a time, each awaited on the stream: every event is exactly that change, none coalesced.
        foreach (var (node, body) in new (string, object)[]
        {
            ("a", new { status = "running", attempts = 1 }), ("a", new { status = "running", attempts = 2 }),
            ("a", new { status = "succeeded" }), ("b", new { status = "skipped" }),
        })
        {
            Assert.Equal(HttpStatusCode.OK, (await admin.PutAsync($"/v1/runs/{runId}/nodes/{node}", Api.Json(body))).StatusCode);
            seen.Add(await follow.NextAsync());
        }
        Assert.Equal(HttpStatusCode.OK, (await admin.PostAsync($"/v1/runs/{runId}/complete", Api.Json(new { status = "succeeded" }))).StatusCode);
        seen.AddRange(await follow.ToEndAsync());
        var answer = await (await admin.GetAsync($"/v1/runs/{runId}")).BodyAsync();

        var runs = seen.SkipLast(1).ToList();
        Assert.All(runs, r => Assert.Equal("run", r.Type));
        Assert.All(runs, r => Assert.Empty(OpenApiContract.Instance.ValidateComponent("Run", r.Data)));
        Assert.Equal(["pending/0 pending/0", "running/1 pending/0", "running/2 pending/0", "succeeded/2 pending/0", "succeeded/2 skipped/0", "succeeded/2 skipped/0"],
            runs.Select(r => string.Join(" ", r.Data!["nodes"]!.AsArray().Select(n => $"{n!["status"]}/{n["attempts"]}"))));
        Assert.Equal(["running", "running", "running", "running", "running", "succeeded"], runs.Select(r => (string)r.Data!["status"]!));
        Assert.True(JsonNode.DeepEquals(answer, runs[^1].Data), "the last run event is the run as getRun answers it");
        Assert.Equal(("end", "succeeded"), (seen[^1].Type, (string)seen[^1].Data!["status"]!));
    }

    private static string LogsPath(Execution e) => $"/v1/executions/{e.ExecutionId}/logs";

    private static string Text(int seq) => $"line {seq}\n";

    private static object Entry(int seq) => new { seq, at = DateTimeOffset.UtcNow, stream = seq % 5 == 0 ? "stderr" : "stdout", text = Text(seq) };

    private static async Task Append(HttpClient admin, Execution e, int from, int to)
    {
        var entries = Enumerable.Range(from, to - from + 1).Select(Entry).ToArray();
        Assert.Equal(HttpStatusCode.OK, (await admin.PostAsync(LogsPath(e), Api.Json(new { entries }))).StatusCode);
    }
}

public sealed class SqliteStreamTests(SqliteRuntime runtime) : StreamSuite(runtime.Factory), IClassFixture<SqliteRuntime>;

public sealed class PostgresStreamTests(PostgresRuntime runtime) : StreamSuite(runtime.Factory), IClassFixture<PostgresRuntime>;
