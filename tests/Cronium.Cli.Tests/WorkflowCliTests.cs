using System.Diagnostics;

namespace Cronium.Cli.Tests;

/// <summary>cronium workflow, runs, logs and credentials as a user runs them, each command a process of its own.</summary>
public sealed class WorkflowCliTests(CliHome home) : IClassFixture<CliHome>
{
    private CliRunner Cli => home.Cli;

    private static string Example => Path.Combine(Paths.Examples, "workflow", "nightly-report.yaml");

    [Fact]
    public async Task TheExampleWorkflowRunsAndItsJsonResultHasEveryNode()
    {
        var run = await Cli.RunAsync("workflow", "run", Example, "--json");

        Assert.True(run.ExitCode == 0, run.Stderr);
        var result = JsonNode.Parse(run.Stdout)!;
        Assert.Equal("succeeded", (string)result["status"]!);
        Assert.True(Guid.TryParse((string)result["runId"]!, out _));
        var nodes = result["nodes"]!.AsObject();
        Assert.Equal(["fetch", "clean", "stats", "merge", "alert"], nodes.Select(n => n.Key));
        Assert.Equal("skipped", (string)nodes["alert"]!["status"]!);
        Assert.Equal(14.5, (double)nodes["merge"]!["output"]!["mean"]!);
        Assert.False((bool)nodes["merge"]!["condition"]!);
        Assert.Equal(6, ((JsonArray)nodes["merge"]!["output"]!["sensors"]!).Count);
        Assert.Contains("fetch │ fetching readings for 2026-11-27 (attempt 1)", run.Stderr);
    }

    [Fact]
    public async Task AFailedWorkflowExitsOneAndShowsItsTableAndItsRecordAfterTheProcessEnded()
    {
        var run = await Cli.RunAsync(new Dictionary<string, string> { ["FAIL_FETCH"] = "1" }, null, "workflow", "run", Example, "--input", "{\"day\": \"2026-01-02\"}");

        Assert.Equal(1, run.ExitCode);
        Assert.Contains("│ fetch │ ✘ failed", run.Stderr);
        Assert.Contains("│ alert │ ✘ failed", run.Stderr);
        Assert.Contains("workflow failed", run.Stderr);
        var runId = System.Text.RegularExpressions.Regex.Match(run.Stderr, @"cronium runs show ([0-9a-f-]{36})").Groups[1].Value;

        var shown = await Cli.RunAsync("runs", "show", runId, "--json");
        var record = JsonNode.Parse(shown.Stdout)!;
        Assert.Equal(("failed", "nightly-report", "2026-01-02"), ((string)record["status"]!, (string)record["name"]!, (string)record["input"]!["day"]!));
        var nodes = record["nodes"]!.AsArray().ToDictionary(n => (string)n!["nodeId"]!);
        Assert.Equal(("failed", 3), ((string)nodes["fetch"]!["status"]!, (int)nodes["fetch"]!["attempts"]!));
        Assert.Equal(("skipped", "skipped"), ((string)nodes["clean"]!["status"]!, (string)nodes["merge"]!["status"]!));
        Assert.Contains("credential_not_found", (string)nodes["alert"]!["error"]!);
        Assert.Equal(4, record["executions"]!.AsArray().Count); // three attempts of fetch, and the alert

        var logs = await Cli.RunAsync("logs", runId);
        Assert.Equal(0, logs.ExitCode);
        Assert.Contains("fetching readings for 2026-01-02 (attempt 3)", logs.Stdout);
        Assert.Contains("the source is down", logs.Stderr);
        var list = await Cli.RunAsync("runs", "list", "--json", "--status", "failed");
        Assert.Contains(JsonNode.Parse(list.Stdout)!["items"]!.AsArray(), r => (string)r!["runId"]! == runId);
    }

    [Fact]
    public async Task ValidateReportsEveryProblemWithItsLineAndExitsTwo()
    {
        using var folder = new TempFolder();
        var broken = folder.Write("broken.yaml", "nodes:\n  - {id: a, event: nope.py}\n  - {id: a, tool: slack}\nedges:\n  - {from: a, to: b, when: LATER}\n");

        var good = await Cli.RunAsync("workflow", "validate", Example);
        var bad = await Cli.RunAsync("workflow", "validate", broken);
        var run = await Cli.RunAsync("workflow", "run", broken);

        Assert.Equal(0, good.ExitCode);
        Assert.Contains("nightly-report: 5 nodes, 5 edges, no problems", good.Stderr);
        Assert.Equal((2, 2), (bad.ExitCode, run.ExitCode));
        foreach (var expected in new[] { "line 2: node 'a': event file 'nope.py' does not exist", "line 3: node 'a': duplicate id", "line 3: node 'a': a tool node needs a 'credential'",
                     "line 5: edge a → b: unknown node 'b'", "line 5: edge a → b: 'when' must be one of" })
            Assert.Contains(expected, bad.Stderr);
    }

    [Fact]
    public async Task GraphPrintsMermaidAndWithARunTheNodesStatuses()
    {
        var plain = await Cli.RunAsync("workflow", "graph", Example);
        var run = JsonNode.Parse((await Cli.RunAsync("workflow", "run", Example, "--json")).Stdout)!;
        var coloured = await Cli.RunAsync("workflow", "graph", Example, "--run", (string)run["runId"]!);

        Assert.StartsWith("flowchart TD\n", plain.Stdout);
        Assert.Contains("n0 -->|ON_FAILURE| n4", plain.Stdout);
        Assert.Contains("n4{{\"alert<br/><small>slack send</small>\"}}", plain.Stdout);
        Assert.DoesNotContain("classDef", plain.Stdout);
        Assert.Contains("class n0,n1,n2,n3 succeeded", coloured.Stdout);
        Assert.Contains("class n4 skipped", coloured.Stdout);
    }

    [Fact]
    public async Task CtrlCCancelsTheRunningNodeLeavesNothingRunningAndRecordsIt()
    {
        using var folder = new TempFolder();
        var pidFile = Path.Combine(folder.Path, "pid");
        folder.Write("wait.sh", $"echo $$ > {pidFile}\necho waiting\nsleep 60");
        var workflow = folder.Write("w.yaml", "name: waits\nnodes:\n  - {id: wait, event: wait.sh}\n  - {id: after, event: wait.sh}\nedges:\n  - {from: wait, to: after}\n");

        var process = Cli.Start("workflow", "run", workflow, "--json");
        await Eventually.UntilAsync(() => File.Exists(pidFile), "the node's script to start");
        await Task.Delay(200);
        using (var kill = Process.Start("kill", $"-INT {process.Id}")) await kill.WaitForExitAsync();
        var stdout = await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync();

        Assert.Equal(130, process.ExitCode);
        var result = JsonNode.Parse(stdout)!;
        Assert.Equal("cancelled", (string)result["status"]!);
        Assert.Equal(("cancelled", "cancelled"), ((string)result["nodes"]!["wait"]!["status"]!, (string)result["nodes"]!["after"]!["status"]!));
        Assert.False(Processes.IsAlive(int.Parse((await File.ReadAllTextAsync(pidFile)).Trim())));
        var record = JsonNode.Parse((await Cli.RunAsync("runs", "show", (string)result["runId"]!, "--json")).Stdout)!;
        Assert.Equal("cancelled", (string)record["status"]!);
        Assert.Equal("cancelled", (string)record["executions"]![0]!["status"]!);
    }

    [Fact]
    public async Task LogsFollowPrintsARunningExecutionUntilItEnds()
    {
        using var folder = new TempFolder();
        var release = Path.Combine(folder.Path, "release");
        // Held until the test has seen the first line (at most two minutes, so nothing outlives a failed test).
        var script = folder.Write("talk.py", $"import os, time\nprint('one', flush=True)\nfor _ in range(2400):\n    if os.path.exists('{release}'): break\n    time.sleep(0.05)\nprint('two', flush=True)");

        var running = Cli.Start("run", script, "--json");
        string? executionId = null;
        var seen = "";
        var clock = Stopwatch.StartNew();
        while (executionId is null && clock.Elapsed < TimeSpan.FromSeconds(60))
        {
            if (running.HasExited) Assert.Fail($"the run ended early: {await running.StandardError.ReadToEndAsync()}");
            await Task.Delay(100);
            var listed = await Cli.RunAsync("runs", "list", "--json", "--status", "running");
            seen = listed.Stdout + listed.Stderr;
            var list = JsonNode.Parse(listed.Stdout)!["items"]!.AsArray();
            if (list.FirstOrDefault(r => (string)r!["name"]! == "talk") is { } run)
                executionId = (string?)JsonNode.Parse((await Cli.RunAsync("runs", "show", (string)run["runId"]!, "--json")).Stdout)!["executions"]!.AsArray().FirstOrDefault()?["executionId"];
        }
        Assert.True(executionId is not null, seen);
        var follow = Cli.Start("logs", executionId!, "--follow");
        var seenOne = false;
        var stdout = new System.Text.StringBuilder();
        var reading = Task.Run(async () =>
        {
            while (await follow.StandardOutput.ReadLineAsync() is { } line)
                lock (stdout) stdout.AppendLine(line);
        });
        await Eventually.UntilAsync(() => { lock (stdout) return seenOne = stdout.ToString().Contains("one"); }, "the follower to print the first line");
        File.WriteAllText(release, "");
        await running.WaitForExitAsync();
        await follow.WaitForExitAsync();
        await reading;

        Assert.True(seenOne, "the follower printed the first line while the script was still running");
        Assert.Equal(0, follow.ExitCode);
        Assert.Equal("one\ntwo\n", stdout.ToString());
    }

    [Fact]
    public async Task CommandsStartedTogetherOnAFreshDataFolderAllSucceed()
    {
        using var fresh = new TempFolder();
        var environment = new Dictionary<string, string> { ["XDG_DATA_HOME"] = fresh.Path };

        var runs = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Cli.RunAsync(environment, null, "runs", "list", "--json")));

        Assert.All(runs, r => Assert.True(r.ExitCode == 0, r.Stderr));
    }

    [Fact]
    public async Task ACredentialSetOnceIsUsedByALaterRunAndIsNeverShown()
    {
        using var webhook = new LocalWebhook();
        using var folder = new TempFolder();
        var secretUrl = webhook.Url("/hook/very-secret-path");
        var ev = folder.Write("tell.yaml", "name: tell\nlanguage: bash\nscript: 'cronium_output_json \"{\\\"n\\\": 7}\"'\nactions:\n  ON_SUCCESS: [{tool: slack, credential: team, params: {text: 'n is {{ output.n }}'}}]\n");

        var set = await Cli.RunAsync(new Dictionary<string, string>(), $"{{\"url\": \"{secretUrl}\"}}", "credentials", "set", "team", "--tool", "slack", "--secret", "-");
        var list = await Cli.RunAsync("credentials", "list");
        var run = await Cli.RunAsync("run", ev, "--json");
        var deleted = await Cli.RunAsync("credentials", "delete", "team");
        var again = await Cli.RunAsync("credentials", "delete", "team");

        Assert.True(set.ExitCode == 0, set.Stderr);
        Assert.Contains("team", list.Stderr);
        Assert.Contains("slack", list.Stderr);
        Assert.DoesNotContain("very-secret-path", set.Stderr + list.Stderr + run.Stdout + run.Stderr);
        Assert.Equal(0, run.ExitCode);
        Assert.Equal("succeeded", (string)JsonNode.Parse(run.Stdout)!["actions"]![0]!["status"]!);
        var (path, body) = Assert.Single(webhook.Received);
        Assert.Equal(("/hook/very-secret-path", "n is 7"), (path, (string)JsonNode.Parse(body)!["text"]!));
        Assert.Equal((0, 2), (deleted.ExitCode, again.ExitCode));
        var keys = new FileInfo(Path.Combine(home.DataFolder, "keys.json"));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, keys.UnixFileMode);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, new DirectoryInfo(home.DataFolder).UnixFileMode);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, new FileInfo(Path.Combine(home.DataFolder, "runtime.db")).UnixFileMode);
    }

    [Fact]
    public async Task RunWithActionsReportsThemInJsonAndAFailingFollowUpMakesTheExitCodeOne()
    {
        using var folder = new TempFolder();
        var ev = folder.Write("e.yaml", "name: e\nlanguage: bash\nscript: 'true'\nactions:\n  ALWAYS: [{event: {name: after, language: bash, script: 'exit 3'}}]\n");

        var run = await Cli.RunAsync("run", ev, "--json");

        Assert.Equal(1, run.ExitCode);
        var result = JsonNode.Parse(run.Stdout)!;
        Assert.Equal(("succeeded", "failed"), ((string)result["status"]!, (string)result["runStatus"]!));
        Assert.Equal(("e → after", "ALWAYS", 3), ((string)result["actions"]![0]!["step"]!, (string)result["actions"]![0]!["kind"]!, (int)result["actions"]![0]!["exitCode"]!));
    }

    [Fact]
    public async Task AChainThatLoopsIsRefusedBeforeAnythingRuns()
    {
        using var folder = new TempFolder();
        var marker = Path.Combine(folder.Path, "ran");
        folder.Write("a.yaml", $"language: bash\nscript: 'touch {marker}'\nactions:\n  ON_SUCCESS: [{{event: b.yaml}}]\n");
        folder.Write("b.yaml", "language: bash\nscript: 'true'\nactions:\n  ON_SUCCESS: [{event: a.yaml}]\n");

        var run = await Cli.RunAsync("run", Path.Combine(folder.Path, "a.yaml"));

        Assert.Equal(2, run.ExitCode);
        Assert.Contains("a.yaml → b.yaml → a.yaml", run.Stderr);
        Assert.False(File.Exists(marker));
    }
}
