using Cronium.Workflows.Chains;

namespace Cronium.Workflows.Tests;

/// <summary>Tool actions as steps: rendered from the run's data, sent by the runtime to local stand-ins of the providers.</summary>
public sealed class ToolStepTests(EngineFixture fixture) : IClassFixture<EngineFixture>, IDisposable
{
    private readonly LocalWebhook webhook = new();
    private readonly LocalSmtp smtp = new();

    public void Dispose()
    {
        webhook.Dispose();
        smtp.Dispose();
    }

    [Fact]
    public async Task AToolNodeSendsItsParamsRenderedFromEarlierNodesAndIsRecorded()
    {
        using var folder = new Folder();
        var user = "tools-" + Guid.NewGuid().ToString("N")[..8];
        await fixture.Client.PutCredentialAsync(user, "team", "slack", new JsonObject { ["url"] = webhook.Url("/hooks/secret-token-123") }, default);
        var yaml = """
            name: notify
            input: {day: "2026-11-27"}
            nodes:
              - id: fetch
                event: {language: python, script: "cronium.output({'rows': 42})"}
              - {id: tell, tool: slack, credential: team, params: {text: "{{ nodes.fetch.output.rows }} rows on {{ input.day }}? no: {{ workflow.name }}", blocks: ["{{ nodes.fetch.status }}"]}}
            edges:
              - {from: fetch, to: tell, when: ON_SUCCESS}
            """.Replace("input.day }}? no: {{ workflow.name", "nodes.fetch.input.day }} for {{ workflow.name");

        var result = await fixture.RunAsync(folder, yaml, new() { UserId = user });

        Assert.True(result.Status == "succeeded", Describe.Run(result));
        var (path, body) = Assert.Single(webhook.Received);
        Assert.Equal("/hooks/secret-token-123", path);
        Assert.Equal("""{"text":"42 rows on 2026-11-27 for notify","blocks":["succeeded"]}""", JsonNode.Parse(body)!.ToJsonString());
        var tell = result.Nodes["tell"];
        Assert.Equal((200, true), ((int)tell.Output!["data"]!["status"]!, (bool)tell.Output["success"]!));
        var execution = await fixture.Client.GetExecutionAsync(tell.ExecutionId!, default);
        Assert.Equal("TOOL_ACTION", (string)execution["event"]!["type"]!);
        Assert.Equal(("slack", "team"), ((string)execution["input"]!["tool"]!, (string)execution["input"]!["credential"]!));
        var run = await fixture.Client.GetRunAsync(result.RunId, default);
        Assert.DoesNotContain("secret-token-123", run.ToJsonString() + execution.ToJsonString());
    }

    [Fact]
    public async Task ATemplateNamingMissingDataFailsTheStepBeforeAnythingIsSent()
    {
        using var folder = new Folder();
        var user = "tools-" + Guid.NewGuid().ToString("N")[..8];
        await fixture.Client.PutCredentialAsync(user, "team", "webhook", new JsonObject { ["url"] = webhook.Url("/never") }, default);
        var yaml = """
            name: typo
            nodes:
              - {id: fetch, event: {language: bash, script: 'cronium_output_json "{\"rows\": 1}"'}}
              - {id: tell, tool: webhook, credential: team, params: {text: "{{ nodes.fetch.output.colums }} and {{ nodes.ftech.status }}"}}
            edges:
              - {from: fetch, to: tell}
            """;

        var result = await fixture.RunAsync(folder, yaml, new() { UserId = user });

        var tell = result.Nodes["tell"];
        Assert.Equal(("failed", 0, null), (tell.Status, tell.Attempts, tell.ExecutionId));
        Assert.Contains("not sent: params.text names 'nodes.fetch.output.colums', 'nodes.ftech'", tell.Error);
        Assert.Empty(webhook.Received);
        Assert.Equal("failed", result.Status);
        var run = await fixture.Client.GetRunAsync(result.RunId, default);
        Assert.Contains("nodes.fetch.output.colums", (string)run["nodes"]![1]!["error"]!);
    }

    [Fact]
    public async Task AnOnFailureActionEmailsTheErrorThroughTheSmtpStandIn()
    {
        using var folder = new Folder();
        var user = "tools-" + Guid.NewGuid().ToString("N")[..8];
        await fixture.Client.PutCredentialAsync(user, "mail", "email",
            new JsonObject { ["host"] = "127.0.0.1", ["port"] = smtp.Port, ["from"] = "cronium@example.test", ["useTls"] = false }, default);
        var ev = """
            name: import
            language: python
            timeout: 1s
            script: |
              import time
              time.sleep(30)
            actions:
              ON_FAILURE:
                - {tool: email, credential: mail, params: {to: ops@example.test, subject: "{{ event.name }} {{ status }}", body: "exit {{ exitCode }}: {{ error }}"}}
            """;
        var chain = EventChain.Load(EventLoader.Load(folder.Write("import.yaml", ev)));

        var result = await fixture.Chains().RunAsync(chain, new RunOptions { UserId = user }, new Recorder(), default);

        Assert.Equal(("timed_out", "succeeded"), (result.Root.Status, result.Steps[1].Result.Status));
        var message = Assert.Single(smtp.Messages);
        Assert.Contains("ops@example.test", message.To.Single());
        Assert.Contains("Subject: import timed_out", message.Data);
        Assert.Contains("exit : killed after the 1 s timeout", message.Data);
        Assert.Equal("ON_FAILURE", result.Steps[1].Kind);
    }

    [Fact]
    public async Task AMissingCredentialFailsTheToolNodeWithItsCode()
    {
        using var folder = new Folder();
        var yaml = "name: nocred\nnodes:\n  - {id: tell, tool: discord, credential: nobody, params: {content: hi}}\n";

        var result = await fixture.RunAsync(folder, yaml, new() { UserId = "tools-" + Guid.NewGuid().ToString("N")[..8] });

        Assert.Equal("failed", result.Nodes["tell"].Status);
        Assert.StartsWith("credential_not_found:", result.Nodes["tell"].Error);
        Assert.NotNull(result.Nodes["tell"].ExecutionId);
    }
}
