using System.Diagnostics;
using System.Globalization;

namespace Cronium.Service.Tests;

/// <summary>Runs started over HTTP wait in the database and run on any instance's workers, never more at once than each allows.</summary>
public sealed class WorkerTests
{
    [Fact]
    public async Task TwoHundredRunsStartedAtOnceAllEndOnceWithNeverMoreThanTwoAtOnceOnEitherInstance()
    {
        using var database = new TestDatabase();
        await using var one = await ServeInstance.StartAsync(database.ConnectionString, concurrency: 2);
        await using var two = await ServeInstance.StartAsync(database.ConnectionString, concurrency: 2);
        await one.PutEventAsync("work", Scripts.BashRecorder("work"));

        var started = await Task.WhenAll(Enumerable.Range(0, 200).Select(i => (i % 2 == 0 ? one : two).StartRunAsync("work", new { i })));
        await Eventually.UntilAsync(() => one.RunsOfAsync("work").Result.Count(r => (string)r["status"]! == "succeeded") == 200, "all 200 runs to succeed",
            TimeSpan.FromMinutes(5));

        var runs = await one.RunsOfAsync("work");
        Assert.Equal(200, runs.Count);
        Assert.Equal(started.Order(), runs.Select(r => (string)r["runId"]!).Order());
        var outputs = new List<JsonNode>();
        foreach (var run in runs)
        {
            var detail = await one.GetAsync($"/v1/runs/{run["runId"]}");
            Assert.Single(detail["executions"]!.AsArray()); // ran once
            outputs.Add((await one.OutputOfAsync((string)run["runId"]!))!);
        }
        Assert.Equal(Enumerable.Range(0, 200), outputs.Select(o => (int)o["input"]!["i"]!).Order());
        foreach (var instance in outputs.GroupBy(o => (string)o["api"]!))
        {
            // The most scripts running at one moment on this instance, from the times they recorded.
            var edges = instance.SelectMany(o => new[] { ((double)o["start"]!, 1), ((double)o["end"]!, -1) }).OrderBy(e => e.Item1).ThenBy(e => e.Item2);
            var (now, most) = (0, 0);
            foreach (var (_, change) in edges) most = Math.Max(most, now += change);
            Assert.True(most <= 2, $"{instance.Key} ran {most} at once");
        }
        Assert.Equal(2, outputs.Select(o => (string)o["api"]!).Distinct().Count());
    }

    [Fact]
    public async Task ARunCancelledOverTheApiStopsItsProcessAndEndsCancelledWhicheverInstanceRunsIt()
    {
        using var database = new TestDatabase();
        await using var one = await ServeInstance.StartAsync(database.ConnectionString);
        await using var two = await ServeInstance.StartAsync(database.ConnectionString);
        using var folder = new TempFolder();
        var pidFile = Path.Combine(folder.Path, "pid");
        await one.PutEventAsync("long", $"name: long\nlanguage: bash\nscript: |\n  echo $$ > {pidFile}\n  sleep 300\n");

        var runId = await one.StartRunAsync("long");
        await Eventually.UntilAsync(() => File.Exists(pidFile) && File.ReadAllText(pidFile).Trim().Length > 0, "the script to start");
        var pid = int.Parse(File.ReadAllText(pidFile).Trim(), CultureInfo.InvariantCulture);
        var clock = Stopwatch.StartNew();
        // Cancelled through the other instance from the one that took it, whichever that was.
        var cancel = await two.Http.PostAsync($"/v1/runs/{runId}/cancel", null);
        Assert.True(cancel.IsSuccessStatusCode, await cancel.Content.ReadAsStringAsync());

        await Eventually.UntilAsync(() => (string)one.GetAsync($"/v1/runs/{runId}").Result["status"]! == "cancelled", "the run to end cancelled");
        await Eventually.UntilAsync(() => !Processes.IsAlive(pid), "the script's process to be gone");
        var run = await one.GetAsync($"/v1/runs/{runId}");
        Assert.Equal("cancelled", (string)run["executions"]![0]!["status"]!);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(60), "a 300 s script was not stopped");
        var again = await one.Http.PostAsync($"/v1/runs/{runId}/cancel", null);
        Assert.Equal(System.Net.HttpStatusCode.OK, again.StatusCode); // cancelling again answers the same
    }

    [Fact]
    public async Task AQueuedRunCancelledBeforeAWorkerTakesItNeverRuns()
    {
        using var database = new TestDatabase();
        await using var one = await ServeInstance.StartAsync(database.ConnectionString, concurrency: 1);
        using var folder = new TempFolder();
        var marker = Path.Combine(folder.Path, "ran");
        await one.PutEventAsync("hold", "name: hold\nlanguage: bash\nscript: sleep 3\n");
        await one.PutEventAsync("mark", $"name: mark\nlanguage: bash\nscript: touch {marker}\n");

        var holding = await one.StartRunAsync("hold"); // the only worker is busy with this one
        await Eventually.UntilAsync(() => (string)one.GetAsync($"/v1/runs/{holding}").Result["status"]! == "running", "the first run to take the worker");
        var queued = await one.StartRunAsync("mark");
        var cancel = await one.Http.PostAsync($"/v1/runs/{queued}/cancel", null);
        var answer = JsonNode.Parse(await cancel.Content.ReadAsStringAsync())!;
        Assert.Equal("cancelled", (string)answer["status"]!);

        await Eventually.UntilAsync(() => (string)one.GetAsync($"/v1/runs/{holding}").Result["status"]! == "succeeded", "the first run to end");
        await one.PutEventAsync("after", "name: after\nlanguage: bash\nscript: 'true'\n");
        var after = await one.StartRunAsync("after"); // runs after the cancelled one would have
        await Eventually.UntilAsync(() => (string)one.GetAsync($"/v1/runs/{after}").Result["status"]! == "succeeded", "a later run to end");
        Assert.False(File.Exists(marker));
        Assert.Empty((await one.GetAsync($"/v1/runs/{queued}"))["executions"]!.AsArray());
    }
}

/// <summary>An instance killed while it runs a job: another recovers the run (Quartz's clustered recovery).</summary>
public sealed class RecoveryTests : TwoInstances
{
    [Fact]
    public async Task AnInstanceKilledWhileItRunsAJobHasItsRunMarkedInterruptedByTheOtherAndNothingLeftRunning()
    {
        var started = Path.Combine(Folder.Path, "started");
        await One.PutEventAsync("victim", $"name: victim\nlanguage: bash\nscript: |\n  echo \"$$ $CRONIUM_RUNTIME_API\" > {started}.tmp && mv {started}.tmp {started}\n  sleep 300\n");

        var (runId, pid, alive) = await KillTheInstanceRunningItAsync("victim", null, started);

        await Eventually.UntilAsync(() => (string)alive.GetAsync($"/v1/runs/{runId}").Result["status"]! == "interrupted", "the other instance to mark the run interrupted");
        await Eventually.UntilAsync(() => !Processes.IsAlive(pid), "the dead instance's script to be ended");
        var run = await alive.GetAsync($"/v1/runs/{runId}");
        Assert.Equal("failed", (string)run["executions"]![0]!["status"]!);
        Assert.Contains("instance", (string)run["error"]!);
        Assert.DoesNotContain("run again", (string)run["error"]!);
        Assert.Equal([runId], (await alive.RunsOfAsync("victim")).Select(r => (string)r["runId"]!)); // no recovery: no retry
        // The survivor goes on working.
        var after = await alive.StartRunAsync("victim");
        await Eventually.UntilAsync(() => (string)alive.GetAsync($"/v1/runs/{after}").Result["status"]! == "running", "a new run on the survivor");
        await alive.Http.PostAsync($"/v1/runs/{after}/cancel", null);
        await Eventually.UntilAsync(() => (string)alive.GetAsync($"/v1/runs/{after}").Result["status"]! == "cancelled", "the new run to be cancelled");
    }

}

/// <summary>An instance killed while it runs a job of a definition with <c>recovery: {attempts: 2}</c>: the other runs it again.</summary>
public sealed class RecoveryRetryTests : TwoInstances
{
    [Fact]
    public async Task AnInstanceKilledWhileItRunsAJobThatAllowsRecoveryHasItInterruptedAndRunAgainOnTheOtherAsAttemptTwoWithNothingLeftRunning()
    {
        var (started, retried) = (Path.Combine(Folder.Path, "started"), Path.Combine(Folder.Path, "retried"));
        // The first attempt hangs until its instance is killed; the second says which attempt it was and where it ran.
        await One.PutEventAsync("phoenix", $$"""
            name: phoenix
            language: bash
            recovery: {attempts: 2}
            script: |
              attempt=$(cronium_event attempt)
              if [ "$attempt" = 1 ]; then echo "$$ $CRONIUM_RUNTIME_API" > {{started}}.tmp && mv {{started}}.tmp {{started}}; sleep 300; fi
              echo "$attempt $CRONIUM_RUNTIME_API" > {{retried}}.tmp && mv {{retried}}.tmp {{retried}}
            """);

        var (runId, pid, alive) = await KillTheInstanceRunningItAsync("phoenix", new { n = 7 }, started);

        await Eventually.UntilAsync(() => File.Exists(retried), "the second attempt to run");
        Assert.Equal($"2 {alive.Api}", File.ReadAllText(retried).Trim());
        var first = await alive.GetAsync($"/v1/runs/{runId}");
        Assert.Equal("interrupted", (string)first["status"]!);
        Assert.Equal("failed", (string)first["executions"]![0]!["status"]!);
        var runs = await alive.RunsOfAsync("phoenix");
        var retryId = Assert.Single(runs, r => (string)r["runId"]! != runId)["runId"]!.GetValue<string>();
        Assert.Contains($"run again as {retryId} (attempt 2 of 2)", (string)first["error"]!);
        await Eventually.UntilAsync(() => (string)alive.GetAsync($"/v1/runs/{retryId}").Result["status"]! == "succeeded", "the retry to end");
        var retry = await alive.GetAsync($"/v1/runs/{retryId}");
        Assert.Equal(runId, (string)retry["metadata"]!["retryOf"]!);
        Assert.Equal("2", (string)retry["metadata"]!["attempt"]!);
        Assert.Equal(7, (int)retry["input"]!["n"]!);
        Assert.Equal(2, (int)Assert.Single(retry["executions"]!.AsArray())!["attempt"]!);
        await Eventually.UntilAsync(() => !Processes.IsAlive(pid), "the dead instance's script to be ended");
        Assert.Equal(2, (await alive.RunsOfAsync("phoenix")).Count);
        Assert.Empty((await alive.GetAsync("/v1/runs?status=running"))["items"]!.AsArray());
    }
}

/// <summary>An instance stopped (SIGTERM) while it runs a job: the run is cancelled and recorded, nothing is left behind.</summary>
public sealed class StopTests
{
    [Fact]
    public async Task StoppingAnInstanceCancelsTheRunsItIsRunningAndRecordsThemWithNothingLeftRunning()
    {
        using var database = new TestDatabase();
        using var folder = new TempFolder();
        var started = Path.Combine(folder.Path, "started");
        var serve = await ServeInstance.StartAsync(database.ConnectionString);
        await serve.PutEventAsync("long", $"name: long\nlanguage: bash\nscript: |\n  echo $$ > {started}.tmp && mv {started}.tmp {started}\n  sleep 300\n");
        var runId = await serve.StartRunAsync("long");
        await Eventually.UntilAsync(() => File.Exists(started), "the script to start");
        var pid = int.Parse(File.ReadAllText(started).Trim(), System.Globalization.CultureInfo.InvariantCulture);

        await serve.DisposeAsync(); // SIGTERM, and waits for the process to exit

        await using var after = await ServeInstance.StartAsync(database.ConnectionString);
        var run = await after.GetAsync($"/v1/runs/{runId}");
        Assert.Equal("cancelled", (string)run["status"]!);
        Assert.Equal("cancelled", (string)run["executions"]![0]!["status"]!);
        Assert.False(Processes.IsAlive(pid));
    }
}
