using Cronium.Workflows.Engine;

namespace Cronium.Workflows.Tests;

/// <summary>Workflows run for real: scripts on the process backend, the runtime embedded, every record read back.</summary>
public sealed class WorkflowEngineTests(EngineFixture fixture) : IClassFixture<EngineFixture>
{
    private static string Py(string id, string script, string extra = "") =>
        $"  - id: {id}\n{extra}    event:\n      language: python\n      script: |\n{Indent(script, 8)}\n";

    private static string Bash(string id, string script, string extra = "") =>
        $"  - id: {id}\n{extra}    event:\n      language: bash\n      script: |\n{Indent(script, 8)}\n";

    private static readonly System.Text.Json.JsonSerializerOptions AsWritten = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private static string Indent(string text, int spaces) => string.Join("\n", text.Split('\n').Select(l => new string(' ', spaces) + l));

    [Fact]
    public async Task EachEdgeKindIsTakenExactlyWhenItsSourceEndedThatWay()
    {
        using var folder = new Folder();
        var yaml = "name: edges\nnodes:\n"
            + Py("ok", "cronium.setCondition(True)")
            + Py("bad", "raise SystemExit(3)")
            + Py("unset", "pass")
            + Py("falsy", "cronium.setCondition(False)");
        var edges = new List<string>();
        foreach (var source in new[] { "ok", "bad", "unset", "falsy" })
        foreach (var kind in new[] { "ON_SUCCESS", "ON_FAILURE", "ALWAYS", "ON_CONDITION" })
        {
            yaml += Bash($"{source}-{kind}", "true");
            edges.Add($"  - {{from: {source}, to: {source}-{kind}, when: {kind}}}");
        }
        yaml += "edges:\n" + string.Join("\n", edges) + "\n";

        var result = await fixture.RunAsync(folder, yaml);

        string Status(string id) => result.Nodes[id].Status;
        Assert.Equal(("succeeded", "failed"), (Status("ok"), Status("bad")));
        Assert.Equal(["succeeded", "skipped", "succeeded", "succeeded"], new[] { "ON_SUCCESS", "ON_FAILURE", "ALWAYS", "ON_CONDITION" }.Select(k => Status($"ok-{k}")));
        Assert.Equal(["skipped", "succeeded", "succeeded", "skipped"], new[] { "ON_SUCCESS", "ON_FAILURE", "ALWAYS", "ON_CONDITION" }.Select(k => Status($"bad-{k}")));
        Assert.Equal("skipped", Status("unset-ON_CONDITION"));
        Assert.Equal("skipped", Status("falsy-ON_CONDITION"));
        Assert.Equal("succeeded", Status("unset-ALWAYS"));
        // bad failed, but it has ON_FAILURE and ALWAYS edges: handled, so the workflow succeeded.
        Assert.Equal("succeeded", result.Status);
    }

    [Fact]
    public async Task AFailureNoEdgeHandlesFailsTheWorkflowAndSkipsWhatDependedOnIt()
    {
        using var folder = new Folder();
        var yaml = "name: unhandled\nnodes:\n" + Py("a", "raise SystemExit(2)") + Bash("b", "true") + Bash("c", "true")
            + "edges:\n  - {from: a, to: b, when: ON_SUCCESS}\n  - {from: b, to: c}\n";

        var result = await fixture.RunAsync(folder, yaml);

        Assert.Equal("failed", result.Status);
        Assert.Equal(("failed", 2), (result.Nodes["a"].Status, result.Nodes["a"].ExitCode));
        Assert.Equal(("skipped", "skipped"), (result.Nodes["b"].Status, result.Nodes["c"].Status));
        Assert.Contains("a", result.Error);
    }

    [Fact]
    public async Task DataFlowsThroughBashPythonAndNodeWithEveryJsonTypeIntact()
    {
        using var folder = new Folder();
        // No whitespace in the text: the bash helper hands text with whitespace to jq, and Debian's jq 1.6 rounds
        // integers past 2^53 (the bash helper's README says so); everything else it prints as the runtime keeps it.
        const string document = """{"text":"héllo✓𝄞\"quoted\"\\back","nested":{"list":[1,2.5,-3e-7,true,false,null],"empty":{},"none":[]},"nothing":null,"big":123456789012345678901234567890,"float":1.0}""";
        folder.Write("input.json", document);
        var yaml = "name: typed\nnodes:\n"
            + Bash("first", "cronium_output_json \"$(cronium_input --json)\"")
            + Py("second", "data = cronium.input()\nassert data['big'] == 123456789012345678901234567890\nassert data['nested']['list'][5] is None\ncronium.output(data)")
            + "  - id: third\n    event:\n      language: node\n      script: |\n"
            + "        const data = await cronium.input();\n"
            + "        if (data.text !== 'héllo✓𝄞\"quoted\"\\\\back' || data.nested.list[3] !== true || data.nothing !== null) process.exit(9);\n"
            + "        await cronium.output({ text: data.text, nested: data.nested, nothing: data.nothing, float: data.float, seenBig: typeof data.big });\n"
            + "edges:\n  - {from: first, to: second, when: ON_SUCCESS}\n  - {from: second, to: third, when: ON_SUCCESS}\n";

        var recorder = new Recorder();
        var result = await fixture.RunAsync(folder, yaml, new WorkflowRunOptions { Input = JsonNode.Parse(document), HasInput = true }, recorder);

        Assert.True(result.Status == "succeeded", Describe.Run(result) + recorder.OutputOf("first") + recorder.OutputOf("second") + recorder.OutputOf("third"));
        // bash passes the text through as written; Python keeps big integers exactly and writes 1.0 back as 1.0.
        foreach (var stage in new[] { "first", "second" })
        {
            var output = result.Nodes[stage].Output!;
            Assert.True(JsonNode.DeepEquals(JsonNode.Parse(document), output), $"{stage}: {output.ToJsonString(AsWritten)}");
            Assert.Equal(("123456789012345678901234567890", "1.0"), (output["big"]!.ToJsonString(), output["float"]!.ToJsonString()));
        }
        var third = result.Nodes["third"].Output!;
        Assert.Equal("héllo✓𝄞\"quoted\"\\back", (string)third["text"]!);
        Assert.Equal("""{"list":[1,2.5,-3e-7,true,false,null],"empty":{},"none":[]}""", third["nested"]!.ToJsonString());
        Assert.Null(third["nothing"]);
        Assert.Equal("number", (string)third["seenBig"]!);
    }

    [Fact]
    public async Task ADiamondMergesItsInputsByIdAndJoinAllWaitsForEveryBranch()
    {
        using var folder = new Folder();
        var yaml = "name: diamond\ninput: {seed: 2}\nnodes:\n"
            + Py("top", "cronium.output({'seed': cronium.input()['seed']})")
            + Py("left", "cronium.output({'l': cronium.input()['seed'] * 10})")
            + Py("right", "cronium.output({'r': cronium.input()['seed'] * 100})")
            + Py("bottom", "cronium.output(cronium.input())", "    join: all\n")
            + "edges:\n  - {from: top, to: left}\n  - {from: top, to: right}\n  - {from: left, to: bottom}\n  - {from: right, to: bottom}\n";

        var result = await fixture.RunAsync(folder, yaml);

        Assert.Equal("succeeded", result.Status);
        Assert.Equal("""{"left":{"l":20},"right":{"r":200}}""", result.Nodes["bottom"].Output!.ToJsonString());
        Assert.Equal("""{"left":{"l":20},"right":{"r":200}}""", result.Nodes["bottom"].Input!.ToJsonString());
    }

    [Fact]
    public async Task JoinAnyRunsOnOneSatisfiedEdgeWithThatInputAndJoinAllIsSkippedAndTheSkipPropagates()
    {
        using var folder = new Folder();
        var yaml = "name: joins\nnodes:\n"
            + Py("good", "cronium.output('from good')")
            + Py("broken", "raise SystemExit(1)")
            + Py("any", "cronium.output(cronium.input())")
            + Py("all", "cronium.output(cronium.input())", "    join: all\n")
            + Bash("after-all", "true")
            + Bash("handler", "true")
            + "edges:\n  - {from: good, to: any, when: ON_SUCCESS}\n  - {from: broken, to: any, when: ON_SUCCESS}\n"
            + "  - {from: good, to: all, when: ON_SUCCESS}\n  - {from: broken, to: all, when: ON_SUCCESS}\n"
            + "  - {from: all, to: after-all}\n  - {from: broken, to: handler, when: ON_FAILURE}\n";

        var result = await fixture.RunAsync(folder, yaml);

        Assert.Equal(("succeeded", "\"from good\""), (result.Nodes["any"].Status, result.Nodes["any"].Output!.ToJsonString()));
        Assert.Equal(("skipped", "skipped"), (result.Nodes["all"].Status, result.Nodes["after-all"].Status));
        Assert.Equal("succeeded", result.Status);
    }

    [Fact]
    public async Task IndependentBranchesRunAtTheSameTime()
    {
        using var folder = new Folder();
        // Each branch marks its start, then waits (up to 30 s) to see the other's mark: only branches that really
        // run at once both see each other; run one after the other, the first would wait in vain and say so.
        var branch = "import os, time\nopen(os.path.join('" + folder.Path + "', '{0}'), 'w').close()\nstart = time.time()\nseen = False\n"
            + "for _ in range(600):\n    if os.path.exists(os.path.join('" + folder.Path + "', '{1}')):\n        seen = True\n        break\n    time.sleep(0.05)\n"
            + "cronium.output({{'start': start, 'end': time.time(), 'sawOther': seen}})";
        var yaml = "name: parallel\nconcurrency: 2\nnodes:\n" + Py("a", string.Format(branch, "a", "b")) + Py("b", string.Format(branch, "b", "a"));

        var result = await fixture.RunAsync(folder, yaml);

        var a = result.Nodes["a"].Output!;
        var b = result.Nodes["b"].Output!;
        Assert.True((bool)a["sawOther"]! && (bool)b["sawOther"]!, "each branch saw the other start");
        Assert.True((double)a["start"]! < (double)b["end"]! && (double)b["start"]! < (double)a["end"]!, "both started before either ended");
    }

    [Fact]
    public async Task ConcurrencyOneRunsBranchesOneAfterTheOther()
    {
        using var folder = new Folder();
        var branch = "import os, time\nstart = time.time()\nopen(os.path.join('" + folder.Path + "', '{0}'), 'w').close()\nseen = False\n"
            + "for _ in range(30):\n    if os.path.exists(os.path.join('" + folder.Path + "', '{1}')):\n        seen = True\n        break\n    time.sleep(0.05)\n"
            + "cronium.output({{'start': start, 'end': time.time(), 'sawOther': seen}})";
        var yaml = "name: serial\nconcurrency: 1\nnodes:\n" + Py("a", string.Format(branch, "a", "b")) + Py("b", string.Format(branch, "b", "a"));

        var result = await fixture.RunAsync(folder, yaml);

        var a = result.Nodes["a"].Output!;
        var b = result.Nodes["b"].Output!;
        var (first, second) = (double)a["start"]! < (double)b["start"]! ? (a, b) : (b, a);
        Assert.False((bool)first["sawOther"]!, "the first branch ran alone");
        Assert.True((double)first["end"]! <= (double)second["start"]!, "the second started after the first ended");
    }

    [Fact]
    public async Task RetriesAreNewExecutionsThatSeeTheirAttemptUntilOneSucceeds()
    {
        using var folder = new Folder();
        var recorder = new Recorder();
        var yaml = "name: retry\nnodes:\n"
            + Py("flaky", "attempt = cronium.event()['attempt']\nprint('attempt', attempt)\nif attempt < 3:\n    raise SystemExit(1)\ncronium.output({'attempt': attempt})",
                "    retries: {attempts: 5, backoff: 1s}\n");

        var result = await fixture.RunAsync(folder, yaml, recorder: recorder);

        Assert.Equal(("succeeded", 3), (result.Nodes["flaky"].Status, result.Nodes["flaky"].Attempts));
        Assert.Equal(3, (int)result.Nodes["flaky"].Output!["attempt"]!);
        Assert.Equal([1, 2, 3], recorder.Started.Select(s => s.Attempt));
        Assert.Equal(2, recorder.Notes.Count(n => n.Contains("retrying in 1 s")));
        var run = await fixture.Client.GetRunAsync(result.RunId, default);
        var executions = run["executions"]!.AsArray();
        Assert.Equal([1, 2, 3], executions.Select(e => (int)e!["attempt"]!));
        Assert.Equal(["failed", "failed", "succeeded"], executions.Select(e => (string)e!["status"]!));
        Assert.Equal(3, executions.Select(e => (string)e!["executionId"]!).Distinct().Count());
    }

    [Fact]
    public async Task RetriesStopWhenAttemptsAreExhaustedAndTheLastAttemptIsTheResult()
    {
        using var folder = new Folder();
        var yaml = "name: exhausted\nnodes:\n" + Py("doomed", "raise SystemExit(10 + cronium.event()['attempt'])", "    retries: {attempts: 2, backoff: 0}\n");

        var result = await fixture.RunAsync(folder, yaml);

        Assert.Equal(("failed", 2, 12), (result.Nodes["doomed"].Status, result.Nodes["doomed"].Attempts, result.Nodes["doomed"].ExitCode));
        Assert.Equal("failed", result.Status);
    }

    [Fact]
    public async Task ANodePastItsTimeoutIsKilledAndItsOnFailureEdgeTakesOver()
    {
        using var folder = new Folder();
        var yaml = "name: slow\nnodes:\n" + Py("slow", "import time\ntime.sleep(60)", "    timeout: 1s\n") + Bash("next", "true") + Bash("rescue", "true")
            + "edges:\n  - {from: slow, to: next, when: ON_SUCCESS}\n  - {from: slow, to: rescue, when: ON_FAILURE}\n";

        var result = await fixture.RunAsync(folder, yaml);

        Assert.Equal("timed_out", result.Nodes["slow"].Status);
        Assert.InRange(result.Nodes["slow"].Duration, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(30));
        Assert.Equal(("skipped", "succeeded"), (result.Nodes["next"].Status, result.Nodes["rescue"].Status));
        Assert.Equal("succeeded", result.Status);
    }

    [Fact]
    public async Task CancellingMidRunStopsRunningNodesMarksTheRestAndRecordsIt()
    {
        using var folder = new Folder();
        var marker = folder.File_("started");
        var yaml = "name: cancel\nnodes:\n" + Py("long", $"import time\nopen('{marker}', 'w').close()\ntime.sleep(60)") + Bash("later", "true")
            + "edges:\n  - {from: long, to: later}\n";
        using var cancel = new CancellationTokenSource();

        var running = fixture.RunAsync(folder, yaml, cancellationToken: cancel.Token);
        await Eventually.UntilAsync(() => File.Exists(marker), "the node's script to start");
        cancel.Cancel();
        var result = await running;

        Assert.Equal("cancelled", result.Status);
        Assert.Equal(("cancelled", "cancelled"), (result.Nodes["long"].Status, result.Nodes["later"].Status));
        var run = await fixture.Client.GetRunAsync(result.RunId, default);
        Assert.Equal("cancelled", (string)run["status"]!);
        Assert.Equal(["cancelled", "cancelled"], run["nodes"]!.AsArray().Select(n => (string)n!["status"]!));
        Assert.Equal("cancelled", (string)run["executions"]![0]!["status"]!);
    }

    [Fact]
    public async Task AWorkflowTimeoutStopsTheRunAsTimedOut()
    {
        using var folder = new Folder();
        var yaml = "name: bounded\ntimeout: 2s\nnodes:\n" + Py("long", "import time\ntime.sleep(60)");

        var result = await fixture.RunAsync(folder, yaml);

        Assert.Equal("timed_out", result.Status);
        Assert.Equal("cancelled", result.Nodes["long"].Status);
        Assert.Contains("timeout", result.Error);
    }

    [Fact]
    public async Task ANodeSeesItsWorkflowRunNodeAndAttemptAndTheRunIsRecorded()
    {
        using var folder = new Folder();
        var yaml = "name: context-check\ninput: {n: 1}\nnodes:\n" + Py("look", "cronium.output(cronium.event())") + Py("last", "cronium.output(cronium.input()['workflow'])")
            + "edges:\n  - {from: look, to: last}\n";

        var result = await fixture.RunAsync(folder, yaml);

        var context = result.Nodes["look"].Output!;
        Assert.Equal(("context-check", result.RunId, "look"), ((string)context["workflow"]!["id"]!, (string)context["workflow"]!["runId"]!, (string)context["workflow"]!["nodeId"]!));
        Assert.Equal((1, result.RunId), ((int)context["attempt"]!, (string)context["runId"]!));
        var run = await fixture.Client.GetRunAsync(result.RunId, default);
        Assert.Equal(("workflow", "context-check", "succeeded"), ((string)run["kind"]!, (string)run["name"]!, (string)run["status"]!));
        Assert.Equal(1, (int)run["input"]!["n"]!);
        var nodes = run["nodes"]!.AsArray();
        Assert.Equal(["look", "last"], nodes.Select(n => (string)n!["nodeId"]!));
        Assert.All(nodes, n => Assert.Equal(("succeeded", 1), ((string)n!["status"]!, (int)n["attempts"]!)));
        Assert.Equal(result.RunId, (string)nodes[1]!["output"]!["runId"]!);
        Assert.Equal(1, (int)nodes[0]!["input"]!["n"]!);
    }

    [Fact]
    public async Task ALogPastTheCapIsCutAndSaysSo()
    {
        using var folder = new Folder();
        var yaml = "name: noisy\nnodes:\n" + Py("noisy", "import sys\nfor i in range(1300):\n    sys.stdout.write(('%04d ' % i) + 'x' * 995 + '\\n')\nprint('the end')");

        var result = await fixture.RunAsync(folder, yaml);

        var log = await fixture.Client.GetLogsAsync(result.Nodes["noisy"].ExecutionId!, 0, default);
        var all = new List<JsonNode>();
        var after = 0L;
        while (true)
        {
            var page = await fixture.Client.GetLogsAsync(result.Nodes["noisy"].ExecutionId!, after, default);
            all.AddRange(page["items"]!.AsArray().Select(i => i!.DeepClone()));
            after = (long)page["nextAfter"]!;
            if ((bool)page["complete"]!) break;
        }
        Assert.Equal("succeeded", result.Status);
        Assert.True((bool)log["truncated"]!, $"{all.Count} entries, {all.Sum(i => ((string)i["text"]!).Length)} characters, the last {all.LastOrDefault()?["stream"]}: {Describe.Run(result)}");
        Assert.Equal("system", (string)all[^1]["stream"]!);
        Assert.Contains("cap of 1048576 bytes", (string)all[^1]["text"]!);
        var kept = string.Concat(all.SkipLast(1).Select(i => (string)i["text"]!));
        Assert.StartsWith("0000 xxx", kept);
        Assert.InRange(System.Text.Encoding.UTF8.GetByteCount(kept), 1_000_000, 1_048_576);
        Assert.DoesNotContain("the end", kept);
    }
}

/// <summary>One workflow on the docker backend: a hardened container per node, data flowing through the runtime's socket.</summary>
public sealed class DockerWorkflowTests(EngineFixture fixture) : IClassFixture<EngineFixture>
{
    [Fact]
    public async Task AWorkflowRunsEachNodeInAContainerAndPassesDataAlong()
    {
        using var folder = new Folder();
        using var docker = new DockerBackend();
        var yaml = """
            name: in-containers
            input: {n: 6}
            nodes:
              - {id: double, event: {language: python, script: "cronium.output({'n': cronium.input()['n'] * 2, 'uid': __import__('os').getuid()})"}}
              - {id: square, event: {language: node, script: "const {n} = await cronium.input(); await cronium.output({n: n * n});"}}
              - {id: report, event: {language: bash, script: 'cronium_output_json "$(cronium_input --json)"'}}
            edges:
              - {from: double, to: square, when: ON_SUCCESS}
              - {from: square, to: report, when: ON_SUCCESS}
            """;

        var result = await fixture.Engine(docker).RunAsync(Definitions.WorkflowLoader.Load(folder.Write("w.yaml", yaml)), new(), new Recorder(), default);

        Assert.True(result.Status == "succeeded", Describe.Run(result));
        Assert.Equal((12, 10001), ((int)result.Nodes["double"].Output!["n"]!, (int)result.Nodes["double"].Output!["uid"]!));
        Assert.Equal("""{"n":144}""", result.Nodes["report"].Output!.ToJsonString());
        using var client = new Docker.DotNet.DockerClientConfiguration(new Uri(new DockerOptions().Endpoint)).CreateClient();
        foreach (var node in result.Nodes.Values)
        {
            var left = await client.Containers.ListContainersAsync(new Docker.DotNet.Models.ContainersListParameters
            {
                All = true,
                Filters = new Dictionary<string, IDictionary<string, bool>> { ["label"] = new Dictionary<string, bool> { [$"{DockerBackend.ExecutionLabel}={node.ExecutionId}"] = true } },
            });
            Assert.Empty(left);
        }
    }
}
