using System.CommandLine;
using Cronium.Execution;
using Cronium.Execution.Events;
using Cronium.Workflows.Definitions;
using Cronium.Workflows.Engine;
using Cronium.Workflows.Steps;

namespace Cronium.Cli;

/// <summary><c>cronium workflow run|validate|graph FILE</c>.</summary>
internal static class WorkflowCommand
{
    private static readonly Argument<string> FileArgument = new("file") { Description = "A workflow file (.yaml)." };
    private static readonly Option<string?> InputOption = new("--input") { Description = "The workflow's input (what its first nodes get): JSON, or @file.json." };
    private static readonly Option<int?> ConcurrencyOption = new("--concurrency") { Description = "Nodes running at once (default: the workflow's, else the number of cores)." };
    private static readonly Option<string> BackendOption = CommonOptions.Backend();
    private static readonly Option<string?> RuntimeOption = CommonOptions.Runtime();
    private static readonly Option<string?> KeyOption = CommonOptions.Key();
    private static readonly Option<string> UserOption = CommonOptions.User();
    private static readonly Option<bool> JsonOption = new("--json") { Description = "Print the full result as JSON on stdout; progress and node output go to stderr." };
    private static readonly Option<string?> RunOption = new("--run") { Description = "Colour the graph with the node statuses of this run." };

    public static Command Create()
    {
        var run = new Command("run", "Run a workflow: its nodes as the graph allows, live, then a table of how each ended.")
        {
            FileArgument, InputOption, ConcurrencyOption, BackendOption, RuntimeOption, KeyOption, UserOption, JsonOption,
        };
        run.SetAction((parse, _) => RunAsync(parse));

        var validate = new Command("validate", "Check a workflow file (nodes, edges, cycles, event files, templates) without running it.") { FileArgument };
        validate.SetAction(parse => Validate(parse));

        var graph = new Command("graph", "Print the workflow as a Mermaid flowchart (with a run's node statuses when --run is given).")
        {
            FileArgument, RunOption, RuntimeOption, KeyOption,
        };
        graph.SetAction((parse, _) => GraphAsync(parse));

        return new Command("workflow", "Workflows: graphs of events and tool actions whose edges say what follows what.") { run, validate, graph };
    }

    private static async Task<int> RunAsync(ParseResult parse)
    {
        var console = new WorkflowConsole(parse.GetValue(JsonOption));
        WorkflowDefinition workflow;
        WorkflowRunOptions options;
        RuntimeTarget target;
        string backendName;
        try
        {
            workflow = WorkflowLoader.Load(parse.GetValue(FileArgument)!);
            target = CommonOptions.Target(parse.GetValue(RuntimeOption), parse.GetValue(KeyOption));
            backendName = CommonOptions.CheckBackend(parse.GetValue(BackendOption)!, target);
            var concurrency = parse.GetValue(ConcurrencyOption);
            if (concurrency is < 1 or > 256) throw new UsageException($"--concurrency: {concurrency} is not from 1 to 256");
            var input = parse.GetValue(InputOption);
            options = new WorkflowRunOptions
            {
                Input = input is null ? null : RunRequest.ParseJson(input.StartsWith('@') ? RunRequest.ReadInputFile(input[1..]) : input, "--input"),
                HasInput = input is not null,
                Concurrency = concurrency,
                UserId = parse.GetValue(UserOption)!,
            };
        }
        catch (UsageException e)
        {
            console.Usage(e.Message);
            return ExitCodes.Usage;
        }
        catch (EventFileException e)
        {
            console.Usage(string.Join(Environment.NewLine, e.Problems.Select(p => $"{e.Path}: {p}")));
            return ExitCodes.Usage;
        }

        return await Cancellable.RunAsync(console.Failed, async cancel =>
        {
            await using var session = await RuntimeSession.OpenAsync(target, cancel, backendName);
            var backend = session.Backend;
            var steps = new StepRunner(new ExecutionRunner(session.Client, session.Endpoint, backend), new ToolActionRunner(session.Client));
            console.Starting(workflow, options.Concurrency ?? workflow.Concurrency, backend.Name);
            var result = await console.AroundAsync(() => new WorkflowEngine(steps, session.Client).RunAsync(workflow, options, console, cancel));
            console.Finished(workflow, result);
            return result.Status switch
            {
                StepStatus.Succeeded => 0,
                StepStatus.TimedOut => ExitCodes.TimedOut,
                StepStatus.Cancelled => ExitCodes.Cancelled,
                _ => 1,
            };
        });
    }

    private static int Validate(ParseResult parse)
    {
        var err = Terminal.Error();
        try
        {
            var workflow = WorkflowLoader.Load(parse.GetValue(FileArgument)!);
            foreach (var warning in workflow.Warnings) err.MarkupLine($"[yellow]warning: {Spectre.Console.Markup.Escape(warning)}[/]");
            err.MarkupLine($"[green]✔ {Spectre.Console.Markup.Escape(workflow.Name)}: {workflow.Nodes.Count} nodes, {workflow.Edges.Count} edges, no problems[/]");
            return 0;
        }
        catch (EventFileException e)
        {
            foreach (var problem in e.Problems) err.MarkupLine($"[red]{Spectre.Console.Markup.Escape($"{e.Path}: {problem}")}[/]");
            return ExitCodes.Usage;
        }
    }

    private static async Task<int> GraphAsync(ParseResult parse)
    {
        var err = Terminal.Error();
        WorkflowDefinition workflow;
        RuntimeTarget target;
        try
        {
            workflow = WorkflowLoader.Load(parse.GetValue(FileArgument)!);
            target = CommonOptions.Target(parse.GetValue(RuntimeOption), parse.GetValue(KeyOption));
        }
        catch (Exception e) when (e is UsageException or EventFileException)
        {
            var lines = e is EventFileException f ? f.Problems.Select(p => $"{f.Path}: {p}") : [e.Message];
            foreach (var line in lines) Terminal.Usage(err, false, "workflow graph", line);
            return ExitCodes.Usage;
        }

        var runId = parse.GetValue(RunOption);
        if (runId is null)
        {
            Console.Out.Write(Mermaid.Render(workflow, null));
            return 0;
        }
        return await Cancellable.RunAsync(message => Terminal.Failed(err, false, "workflow graph", message), async cancel =>
        {
            await using var session = await RuntimeSession.OpenAsync(target, cancel);
            var run = await session.Client.GetRunAsync(runId, cancel);
            var statuses = run["nodes"]!.AsArray().ToDictionary(n => (string)n!["nodeId"]!, n => (string)n!["status"]!);
            Console.Out.Write(Mermaid.Render(workflow, statuses));
            return 0;
        });
    }
}
