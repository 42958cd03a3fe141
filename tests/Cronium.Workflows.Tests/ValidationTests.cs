using Cronium.Workflows.Chains;
using Cronium.Workflows.Definitions;

namespace Cronium.Workflows.Tests;

/// <summary>Definitions are checked before anything runs; every problem names its node, edge or file and its line.</summary>
public sealed class ValidationTests
{
    private const string Step = "{id: a, event: {language: bash, script: 'true'}}";

    [Theory]
    [InlineData("nodes:\n  - " + Step + "\n  - {id: a, event: {language: bash, script: 'true'}}\n", "line 3: node 'a': duplicate id (first at line 2)")]
    [InlineData("nodes:\n  - " + Step + "\nedges:\n  - {from: a, to: ghost}\n", "line 4: edge a → ghost: unknown node 'ghost'")]
    [InlineData("nodes:\n  - " + Step + "\nedges:\n  - {from: a, to: a}\n", "line 4: edge a → a: a node cannot follow itself (self-loop)")]
    [InlineData("nodes:\n  - " + Step + "\n  - {id: b, event: {language: bash, script: 'true'}}\nedges:\n  - {from: a, to: b, when: SOMETIMES}\n",
        "line 5: edge a → b: 'when' must be one of ON_SUCCESS, ON_FAILURE, ALWAYS, ON_CONDITION, not 'SOMETIMES'")]
    [InlineData("nodes:\n  - {id: a, event: missing.yaml}\n", "line 2: node 'a': event file 'missing.yaml' does not exist")]
    [InlineData("nodes:\n  - {id: t, tool: slack, params: {text: hi}}\n", "line 2: node 't': a tool node needs a 'credential'")]
    [InlineData("nodes:\n  - {id: t, tool: fax, credential: c}\n", "line 2: node 't': unknown tool 'fax'")]
    [InlineData("nodes:\n  - {id: t, tool: slack, credential: c, params: {text: '{{ oops'}}\n", "line 2: node 't': params.text:")]
    [InlineData("nodes:\n  - {id: a, event: {language: bash, script: 'true'}, join: some}\n", "line 2: node 'a': 'join' must be any or all, not 'some'")]
    [InlineData("nodes:\n  - {id: 'bad id', event: {language: bash, script: 'true'}}\n", "line 2: node 'bad id': the id must be letters, digits")]
    [InlineData("nodes:\n  - {id: a, event: {language: bash, script: 'true'}, retries: {attempts: 0}}\n", "line 2: 'retries.attempts' must be a whole number from 1 to 100")]
    [InlineData("nodes:\n  - {id: a, colour: red, event: {language: bash, script: 'true'}}\n", "line 2: unknown field 'colour' in a node")]
    [InlineData("nodes:\n  - {id: a}\n", "line 2: node 'a': a node names either 'event' (a file or an inline event) or 'tool', not neither")]
    [InlineData("concurrency: 0\nnodes:\n  - " + Step + "\n", "line 1: 'concurrency' must be a whole number from 1 to 256")]
    [InlineData("name: x\n", "'nodes' is required")]
    [InlineData("nodes: [\n", "line 2:")]
    public void AWorkflowWithAProblemIsRefusedNamingItAndItsLine(string yaml, string expected)
    {
        using var folder = new Folder();

        var error = Assert.Throws<EventFileException>(() => WorkflowLoader.Load(folder.Write("w.yaml", yaml)));

        Assert.True(error.Problems.Any(p => p.Contains(expected, StringComparison.Ordinal)), $"expected '{expected}' in: {string.Join(" | ", error.Problems)}");
    }

    [Fact]
    public void ACycleIsRefusedWithEveryEdgeOfItAndItsLine()
    {
        using var folder = new Folder();
        var yaml = "nodes:\n  - {id: a, event: {language: bash, script: 'true'}}\n  - {id: b, event: {language: bash, script: 'true'}}\n"
                 + "  - {id: c, event: {language: bash, script: 'true'}}\n  - {id: d, event: {language: bash, script: 'true'}}\n"
                 + "edges:\n  - {from: d, to: a}\n  - {from: a, to: b}\n  - {from: b, to: c}\n  - {from: c, to: a}\n";

        var error = Assert.Throws<EventFileException>(() => WorkflowLoader.Load(folder.Write("w.yaml", yaml)));

        var problem = Assert.Single(error.Problems);
        Assert.Equal("line 8: the edges a → b (line 8), b → c (line 9), c → a (line 10) form a cycle; a workflow is a graph without cycles", problem);
    }

    [Fact]
    public void EveryProblemIsReportedAtOnce()
    {
        using var folder = new Folder();
        var yaml = "nodes:\n  - {id: a, event: nope.sh}\n  - {id: t, tool: slack}\nedges:\n  - {from: a, to: z}\n";

        var error = Assert.Throws<EventFileException>(() => WorkflowLoader.Load(folder.Write("w.yaml", yaml)));

        Assert.Equal(3, error.Problems.Count);
    }

    [Fact]
    public void AScriptFileIsANodeWithDefaultsAndAnEventsOwnActionsAreAWarning()
    {
        using var folder = new Folder();
        folder.Write("step.py", "print('hi')");
        folder.Write("chained.yaml", "language: bash\nscript: 'true'\nactions:\n  ALWAYS: [{event: step.py}]\n");

        var workflow = WorkflowLoader.Load(folder.Write("w.yaml", "nodes:\n  - {id: s, event: step.py}\n  - {id: c, event: chained.yaml}\n"));

        Assert.Equal(("step", Language.Python), (workflow.Node("s").Event!.Name, workflow.Node("s").Event!.Language));
        Assert.Equal(Environment.ProcessorCount, workflow.Concurrency);
        Assert.Equal("w", workflow.Name);
        Assert.Contains(workflow.Warnings, w => w.Contains("node 'c'") && w.Contains("actions are not run inside a workflow"));
    }

    [Fact]
    public void AChainOfEventFilesThatLoopsIsRefusedWithTheChainPrinted()
    {
        using var folder = new Folder();
        folder.Write("a.yaml", "language: bash\nscript: 'true'\nactions:\n  ON_SUCCESS: [{event: b.yaml}]\n");
        folder.Write("b.yaml", "language: bash\nscript: 'true'\nactions:\n  ALWAYS: [{event: a.yaml}]\n");

        var error = Assert.Throws<EventFileException>(() => EventChain.Load(EventLoader.Load(folder.File_("a.yaml"))));

        Assert.Contains("b.yaml line 4: ALWAYS leads back to an event already in this chain: a.yaml → b.yaml → a.yaml", Assert.Single(error.Problems));
    }

    [Fact]
    public void AChainDeeperThanTheLimitIsRefused()
    {
        using var folder = new Folder();
        for (var i = 0; i < 5; i++) folder.Write($"e{i}.yaml", $"language: bash\nscript: 'true'\nactions:\n  ON_SUCCESS: [{{event: e{i + 1}.yaml}}]\n");
        folder.Write("e5.yaml", "language: bash\nscript: 'true'\n");

        var deep = Assert.Throws<EventFileException>(() => EventChain.Load(EventLoader.Load(folder.File_("e0.yaml")), maxDepth: 3));
        var fine = EventChain.Load(EventLoader.Load(folder.File_("e0.yaml")), maxDepth: 5);

        Assert.Contains("the chain is deeper than 3 events (e0.yaml → e1.yaml → e2.yaml → e3.yaml → …)", Assert.Single(deep.Problems));
        Assert.Equal("e5", fine.Actions[0].Event!.Actions[0].Event!.Actions[0].Event!.Actions[0].Event!.Actions[0].Event!.Event.Name);
    }

    [Theory]
    [InlineData("actions:\n  ON_SUCCESS: [{event: gone.yaml}]\n", "line 5: event file 'gone.yaml' does not exist")]
    [InlineData("actions:\n  ON_FAILURE: [{tool: pager, credential: x}]\n", "line 5: unknown tool 'pager'")]
    [InlineData("actions:\n  ON_FAILURE: [{tool: slack}]\n", "line 5: a tool action needs a 'credential'")]
    [InlineData("actions:\n  WHENEVER: [{event: x.yaml}]\n", "line 5: unknown action kind 'WHENEVER'")]
    [InlineData("actions:\n  ALWAYS: [{event: x.yaml, tool: slack, credential: c}]\n", "names either 'event' (a file or an inline event) or 'tool', not both")]
    public void AnEventFileWithABadActionIsRefusedNamingTheLine(string actions, string expected)
    {
        using var folder = new Folder();
        folder.Write("x.yaml", "language: bash\nscript: 'true'\n");

        var error = Assert.Throws<EventFileException>(() => EventLoader.Load(folder.Write("e.yaml", "name: e\nlanguage: bash\nscript: 'true'\n" + actions)));

        Assert.True(error.Problems.Any(p => p.Contains(expected, StringComparison.Ordinal)), $"expected '{expected}' in: {string.Join(" | ", error.Problems)}");
    }

    [Fact]
    public void AnActionTemplateThatDoesNotParseIsRefusedBeforeAnythingRuns()
    {
        using var folder = new Folder();
        var ev = EventLoader.Load(folder.Write("e.yaml", "language: bash\nscript: 'true'\nactions:\n  ON_FAILURE: [{tool: slack, credential: c, params: {text: '{% if %}'}}]\n"));

        var error = Assert.Throws<EventFileException>(() => EventChain.Load(ev));

        Assert.Contains("e.yaml line 4 (ON_FAILURE slack action): params.text:", Assert.Single(error.Problems));
    }
}
