using Cronium.Workflows.Chains;

namespace Cronium.Workflows.Tests;

/// <summary>Conditional actions: what follows an event, by how it ended, run for real and recorded as one run.</summary>
public sealed class ChainTests(EngineFixture fixture) : IClassFixture<EngineFixture>
{
    private const string Kinds = """
        actions:
          ON_SUCCESS: [{event: {name: on-success, language: bash, script: 'cronium_output_json "$(cronium_event --json 2>/dev/null || cronium_event)"'}}]
          ON_FAILURE: [{event: {name: on-failure, language: bash, script: 'cronium_output_json "$(cronium_event)"'}}]
          ALWAYS: [{event: {name: always, language: bash, script: 'cronium_output_json "$(cronium_input --json)"'}}]
          ON_CONDITION: [{event: {name: on-condition, language: bash, script: 'true'}}]
        """;

    private async Task<ChainResult> RunAsync(Folder folder, string yaml, RunOptions? options = null, Recorder? recorder = null, CancellationToken cancellationToken = default) =>
        await fixture.Chains().RunAsync(EventChain.Load(EventLoader.Load(folder.Write("event.yaml", yaml))), options ?? new RunOptions { UserId = TestUser() },
            recorder ?? new Recorder(), cancellationToken);

    private static string TestUser() => "chain-" + Guid.NewGuid().ToString("N")[..8];

    private static IEnumerable<string> Followed(ChainResult result) => result.Steps.Skip(1).Select(s => s.Step.Split(" → ")[^1]);

    [Fact]
    public async Task ASuccessWithTheConditionSetRunsOnSuccessOnConditionAndAlways()
    {
        using var folder = new Folder();

        var result = await RunAsync(folder, "name: root\nlanguage: python\nscript: |\n  cronium.output({'n': 1})\n  cronium.setCondition(True)\n" + Kinds);

        Assert.Equal(["on-success", "always", "on-condition"], Followed(result));
        Assert.Equal("succeeded", result.Status);
        Assert.All(result.Steps, s => Assert.Equal("succeeded", s.Result.Status));
    }

    [Theory]
    [InlineData("cronium.setCondition(False)")]
    [InlineData("pass")]
    public async Task AConditionFalseOrNeverSetDoesNotRunOnCondition(string script)
    {
        using var folder = new Folder();

        var result = await RunAsync(folder, $"name: root\nlanguage: python\nscript: |\n  {script}\n" + Kinds);

        Assert.Equal(["on-success", "always"], Followed(result));
    }

    [Fact]
    public async Task AFailureRunsOnFailureAndAlwaysAndIsHandledByThem()
    {
        using var folder = new Folder();

        var result = await RunAsync(folder, "name: root\nlanguage: python\nscript: |\n  cronium.setCondition(True)\n  raise SystemExit(4)\n" + Kinds);

        Assert.Equal(["on-failure", "always", "on-condition"], Followed(result));
        Assert.Equal(("failed", 4), (result.Root.Status, result.Root.ExitCode));
        Assert.Equal("succeeded", result.Status);
    }

    [Fact]
    public async Task ATimeoutCountsAsAFailure()
    {
        using var folder = new Folder();

        var result = await RunAsync(folder, "name: root\nlanguage: python\ntimeout: 1s\nscript: |\n  import time\n  time.sleep(60)\n" + Kinds);

        Assert.Equal("timed_out", result.Root.Status);
        Assert.Equal(["on-failure", "always"], Followed(result));
    }

    [Fact]
    public async Task AFollowUpGetsTheOutputAsInputAndItsContextSaysWhatTriggeredIt()
    {
        using var folder = new Folder();
        folder.Write("next.py", "cronium.output({'got': cronium.input(), 'trigger': cronium.event()['trigger'], 'runId': cronium.event()['runId']})");

        var result = await RunAsync(folder, "name: first\nlanguage: python\nscript: \"cronium.output({'rows': [1, 2]})\"\nactions:\n  ON_SUCCESS: [{event: next.py}]\n");

        var next = result.Steps[1].Result.Output!;
        Assert.Equal("""{"rows":[1,2]}""", next["got"]!.ToJsonString());
        Assert.Equal((result.Root.ExecutionId, "ON_SUCCESS"), ((string)next["trigger"]!["executionId"]!, (string)next["trigger"]!["kind"]!));
        Assert.Equal(result.RunId, (string)next["runId"]!);
        var run = await fixture.Client.GetRunAsync(result.RunId, default);
        Assert.Equal(("event", "first", "succeeded"), ((string)run["kind"]!, (string)run["name"]!, (string)run["status"]!));
        Assert.Equal([null, "ON_SUCCESS"], run["executions"]!.AsArray().Select(e => (string?)e!["trigger"]?["kind"]));
    }

    [Fact]
    public async Task AnUnhandledFailureOfAFollowUpFailsTheRun()
    {
        using var folder = new Folder();

        var result = await RunAsync(folder, "name: first\nlanguage: bash\nscript: 'true'\nactions:\n  ALWAYS: [{event: {name: broken, language: bash, script: 'exit 6'}}]\n");

        Assert.Equal(("succeeded", "failed"), (result.Root.Status, result.Status));
        var run = await fixture.Client.GetRunAsync(result.RunId, default);
        Assert.Equal("failed", (string)run["status"]!);
        Assert.Contains("broken: exit code 6", (string)run["error"]!);
    }

    [Fact]
    public async Task CancellingStartsNoFurtherAction()
    {
        using var folder = new Folder();
        var marker = folder.File_("started");
        using var cancel = new CancellationTokenSource();

        var running = RunAsync(folder, $"name: long\nlanguage: python\nscript: |\n  import time\n  open('{marker}', 'w').close()\n  time.sleep(60)\n" + Kinds, cancellationToken: cancel.Token);
        await Eventually.UntilAsync(() => File.Exists(marker), "the script to start");
        cancel.Cancel();
        var result = await running;

        Assert.Equal(("cancelled", "cancelled"), (result.Root.Status, result.Status));
        Assert.Single(result.Steps);
        var run = await fixture.Client.GetRunAsync(result.RunId, default);
        Assert.Equal("cancelled", (string)run["status"]!);
        Assert.Single(run["executions"]!.AsArray());
    }
}
