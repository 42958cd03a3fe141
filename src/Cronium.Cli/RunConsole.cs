using System.Text.Json.Nodes;
using Cronium.Execution.Backends;
using Cronium.Execution.Events;
using Cronium.Workflows.Chains;
using Cronium.Workflows.Steps;
using Spectre.Console;

namespace Cronium.Cli;

/// <summary>
/// What cronium run shows: the script's stdout and stderr as they come, a line for each conditional action that
/// follows, then the outcome. With --json, stdout carries only the result document and all output goes to stderr.
/// </summary>
internal sealed class RunConsole(bool json) : IOutputSink, IRunObserver
{
    private readonly IAnsiConsole err = Terminal.Error();
    private readonly Lock gate = new();
    private string? root;

    public void Write(OutputStream stream, string text)
    {
        lock (gate)
        {
            if (stream == OutputStream.Stdout && !json)
            {
                Console.Out.Write(text);
                Console.Out.Flush();
            }
            else if (stream == OutputStream.Stderr && !json)
            {
                err.Markup("[red]" + Markup.Escape(text) + "[/]");
            }
            else
            {
                Console.Error.Write(text);
            }
        }
    }

    public IOutputSink Output(string step) => this;

    public void StepStarted(string step, int attempt, string? executionId)
    {
        root ??= step;
        if (json || step == root) return;
        lock (gate) err.MarkupLine($"[grey]▶ {Markup.Escape(step)}[/]");
    }

    public void StepEnded(string step, StepResult result)
    {
        if (json || step == root) return;
        var exit = result.ExitCode is { } code ? $"exit {code}  " : "";
        lock (gate)
        {
            err.MarkupLine($"[{Terminal.Colour(result.Status)}]{Terminal.Mark(result.Status)} {Markup.Escape(step)}: {result.Status}[/]  {exit}in {Terminal.Seconds(result.Duration)}");
            if (result.Error is not null) err.MarkupLine($"  [red]{Markup.Escape(result.Error)}[/]");
        }
    }

    public void Note(string step, string message)
    {
        if (!json) lock (gate) err.MarkupLine($"[grey]{Markup.Escape(step)}: {Markup.Escape(message)}[/]");
    }

    public void Starting(EventDefinition ev, string backend)
    {
        if (json) return;
        err.MarkupLine($"[grey]▶ {Markup.Escape(ev.Name)} ({ev.Language.ToString().ToLowerInvariant()}, {backend} backend)[/]");
    }

    public void Finished(ChainResult chain)
    {
        var r = chain.Root;
        if (json)
        {
            var document = Document(r);
            document["runId"] = chain.RunId;
            document["runStatus"] = chain.Status;
            document["actions"] = new JsonArray(chain.Steps.Skip(1).Select(s =>
            {
                var step = Document(s.Result);
                step["step"] = s.Step;
                step["kind"] = s.Kind;
                return (JsonNode)step;
            }).ToArray());
            Console.Out.WriteLine(document.ToJsonString(Terminal.Compact));
            return;
        }
        var exit = r.ExitCode is { } code ? $"exit {code}" : "no exit code";
        err.MarkupLine($"[{Terminal.Colour(r.Status)}]{Terminal.Mark(r.Status)} {r.Status}[/]  {exit}  in {Terminal.Seconds(r.Duration)}  [grey](execution {r.ExecutionId})[/]");
        if (r.Error is not null) err.MarkupLine($"  [red]{Markup.Escape(r.Error)}[/]");
        err.MarkupLine($"  output:    {Markup.Escape(Terminal.Json(r.Output))}");
        err.MarkupLine($"  condition: {Terminal.Condition(r.Condition)}");
        if (chain.Steps.Count > 1)
            err.MarkupLine($"  actions:   {chain.Steps.Count - 1} ran; the run {(chain.Status == StepStatus.Succeeded ? "[green]succeeded[/]" : $"[red]{chain.Status}[/]")}  [grey](run {chain.RunId}: cronium runs show {chain.RunId})[/]");
    }

    public void Usage(string message) => Terminal.Usage(err, json, "run", message);

    public void Failed(string message) => Terminal.Failed(err, json, "run", message);

    private static JsonObject Document(StepResult r) => new()
    {
        ["executionId"] = r.ExecutionId,
        ["status"] = r.Status,
        ["exitCode"] = r.ExitCode,
        ["durationMs"] = (long)r.Duration.TotalMilliseconds,
        ["output"] = r.Output?.DeepClone(),
        ["condition"] = r.Condition,
        ["error"] = r.Error,
    };
}
