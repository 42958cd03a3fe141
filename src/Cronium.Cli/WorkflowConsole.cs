using System.Text;
using System.Text.Json.Nodes;
using Cronium.Execution.Backends;
using Cronium.Workflows.Definitions;
using Cronium.Workflows.Engine;
using Cronium.Workflows.Steps;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace Cronium.Cli;

/// <summary>
/// What cronium workflow run shows on stderr: a line as each node starts and ends, each node's output line by line
/// behind its id, a live status line per running node (on a terminal), then a table of how every node ended.
/// With --json, stdout carries only the result document.
/// </summary>
internal sealed class WorkflowConsole(bool json) : IRunObserver
{
    private readonly IAnsiConsole err = Terminal.Error();
    private readonly Lock gate = new();
    private readonly SortedDictionary<string, (int Attempt, System.Diagnostics.Stopwatch Clock)> running = new(StringComparer.Ordinal);
    private int width = 8;
    private LiveDisplayContext? live;

    public void Starting(WorkflowDefinition workflow, int concurrency, string backend)
    {
        width = Math.Min(24, workflow.Nodes.Max(n => n.Id.Length));
        foreach (var warning in workflow.Warnings) err.MarkupLine($"[yellow]warning: {Markup.Escape(warning)}[/]");
        err.MarkupLine($"[grey]▶ {Markup.Escape(workflow.Name)} (workflow, {workflow.Nodes.Count} nodes, concurrency {concurrency}, {backend} backend)[/]");
    }

    /// <summary>On a terminal the work runs under a live status line per running node (its attempt and time so far).</summary>
    public async Task<T> AroundAsync<T>(Func<Task<T>> work)
    {
        if (Console.IsErrorRedirected || json) return await work();
        // Updated under the same lock as every line written, so a line and the status never interleave.
        return await err.Live(Text.Empty).AutoClear(true).StartAsync(async context =>
        {
            lock (gate) live = context;
            var task = work();
            while (!task.IsCompleted)
            {
                lock (gate) Show(StatusLines());
                await Task.WhenAny(task, Task.Delay(150));
            }
            lock (gate)
            {
                Show(Text.Empty);
                live = null;
            }
            return await task;
        });
    }

    /// <summary>Redraws the live status (the caller holds the lock).</summary>
    private void Show(IRenderable status)
    {
        live?.UpdateTarget(status);
        live?.Refresh();
    }

    private IRenderable StatusLines()
    {
        var frame = Spinner.Known.Dots.Frames[(int)(DateTime.UtcNow.Ticks / TimeSpan.TicksPerMillisecond / 100 % Spinner.Known.Dots.Frames.Count)];
        return new Rows(running.Select(r =>
            new Markup($"[blue]{frame}[/] {Label(r.Key)} [grey]running{(r.Value.Attempt > 1 ? $", attempt {r.Value.Attempt}" : "")}, {Terminal.Seconds(r.Value.Clock.Elapsed)}[/]")));
    }

    public IOutputSink Output(string step) => new NodeOutput(this, step);

    public void StepStarted(string step, int attempt, string? executionId)
    {
        lock (gate)
        {
            running[step] = (attempt, System.Diagnostics.Stopwatch.StartNew());
            Line($"[blue]{Label(step)} ▶ started{(attempt > 1 ? $" (attempt {attempt})" : "")}[/]");
        }
    }

    public void StepEnded(string step, StepResult result)
    {
        lock (gate)
        {
            running.Remove(step);
            var attempts = result.Attempts > 1 ? $" after {result.Attempts} attempts" : "";
            var time = result.ExecutionId is null ? "" : $" in {Terminal.Seconds(result.Duration)}";
            Line($"[{Terminal.Colour(result.Status)}]{Label(step)} {Terminal.Mark(result.Status)} {result.Status}{attempts}{time}[/]"
                 + (result.Error is null || result.Status == StepStatus.Skipped ? "" : $" [grey]{Markup.Escape(result.Error)}[/]"));
        }
    }

    public void Note(string step, string message)
    {
        lock (gate) Line($"[grey]{Label(step)} {Markup.Escape(message)}[/]");
    }

    public void Finished(WorkflowDefinition workflow, WorkflowResult result)
    {
        if (json)
        {
            var nodes = new JsonObject();
            foreach (var node in workflow.Nodes)
            {
                var r = result.Nodes[node.Id];
                nodes[node.Id] = new JsonObject
                {
                    ["status"] = r.Status,
                    ["attempts"] = r.Attempts,
                    ["exitCode"] = r.ExitCode,
                    ["durationMs"] = (long)r.Duration.TotalMilliseconds,
                    ["output"] = r.Output?.DeepClone(),
                    ["condition"] = r.Condition,
                    ["error"] = r.Error,
                    ["executionId"] = r.ExecutionId,
                };
            }
            Console.Out.WriteLine(new JsonObject
            {
                ["runId"] = result.RunId,
                ["status"] = result.Status,
                ["durationMs"] = (long)result.Duration.TotalMilliseconds,
                ["error"] = result.Error,
                ["nodes"] = nodes,
            }.ToJsonString(Terminal.Compact));
            return;
        }
        var table = new Table().Border(TableBorder.Rounded).AddColumns("node", "status", "attempts", "duration", "condition");
        foreach (var node in workflow.Nodes)
        {
            var r = result.Nodes[node.Id];
            table.AddRow(Markup.Escape(node.Id), $"[{Terminal.Colour(r.Status)}]{Terminal.Mark(r.Status)} {r.Status}[/]", r.Attempts.ToString(),
                r.ExecutionId is null ? "" : Terminal.Seconds(r.Duration), r.ExecutionId is null ? "" : Terminal.Condition(r.Condition));
        }
        err.Write(table);
        err.MarkupLine($"[{Terminal.Colour(result.Status)}]{Terminal.Mark(result.Status)} workflow {result.Status}[/] in {Terminal.Seconds(result.Duration)}  [grey](run {result.RunId}: cronium runs show {result.RunId})[/]");
        if (result.Error is not null) err.MarkupLine($"  [red]{Markup.Escape(result.Error)}[/]");
    }

    public void Usage(string message) => Terminal.Usage(err, json, "workflow run", message);

    public void Failed(string message) => Terminal.Failed(err, json, "workflow run", message);

    private string Label(string step) => Markup.Escape(step.PadRight(width));

    /// <summary>
    /// A line above the live status (the caller holds the lock). The status is cleared first and drawn again after:
    /// Spectre writes a line over the status without erasing what the status had further right.
    /// </summary>
    private void Line(string markup)
    {
        if (live is null)
        {
            err.MarkupLine(markup);
            return;
        }
        Show(Text.Empty);
        err.MarkupLine(markup);
        Show(StatusLines());
    }

    /// <summary>A node's output, a whole line at a time behind the node's id (the rest is held until its newline or the node's end).</summary>
    private sealed class NodeOutput(WorkflowConsole console, string step) : IOutputSink
    {
        private readonly StringBuilder stdout = new();
        private readonly StringBuilder stderr = new();

        public void Write(OutputStream stream, string text)
        {
            var buffer = stream == OutputStream.Stdout ? stdout : stderr;
            lock (console.gate)
            {
                buffer.Append(text);
                var all = buffer.ToString();
                var end = all.LastIndexOf('\n');
                if (end < 0) return;
                foreach (var line in all[..end].Split('\n')) Print(stream, line);
                buffer.Clear().Append(all[(end + 1)..]);
            }
        }

        private void Print(OutputStream stream, string line)
        {
            var text = Markup.Escape(line.TrimEnd('\r'));
            console.Line(stream == OutputStream.Stdout ? $"{console.Label(step)} │ {text}" : $"{console.Label(step)} │ [red]{text}[/]");
        }
    }
}
