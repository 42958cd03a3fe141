using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Cronium.Execution;
using Cronium.Execution.Backends;
using Cronium.Execution.Events;
using Spectre.Console;

namespace Cronium.Cli;

/// <summary>
/// What cronium run shows: the script's stdout and stderr as they come, then the outcome. With --json,
/// stdout carries only the result document and the script's output goes to stderr.
/// </summary>
internal sealed class RunConsole : IOutputSink
{
    private static readonly JsonSerializerOptions Compact = new() { WriteIndented = false };
    private readonly IAnsiConsole err = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) });
    private readonly Lock gate = new();
    private readonly bool json;

    public RunConsole(bool json)
    {
        this.json = json;
        // Piped into a file or a log collector, a line is a line: no wrapping at an imagined 80 columns.
        if (Console.IsErrorRedirected) err.Profile.Width = 4096;
    }

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

    public void Starting(EventDefinition ev, string backend)
    {
        if (json) return;
        err.MarkupLine($"[grey]▶ {Markup.Escape(ev.Name)} ({ev.Language.ToString().ToLowerInvariant()}, {backend} backend)[/]");
    }

    public void Finished(RunResult r)
    {
        if (json)
        {
            var document = new JsonObject
            {
                ["executionId"] = r.ExecutionId,
                ["status"] = r.Status,
                ["exitCode"] = r.ExitCode,
                ["durationMs"] = (long)r.Duration.TotalMilliseconds,
                ["output"] = r.Output?.DeepClone(),
                ["condition"] = r.Condition,
                ["error"] = r.Error,
            };
            Console.Out.WriteLine(document.ToJsonString(Compact));
            return;
        }
        var color = r.Status == "succeeded" ? "green" : "red";
        var exit = r.ExitCode is { } code ? $"exit {code}" : "no exit code";
        err.MarkupLine($"[{color}]{(r.Status == "succeeded" ? "✔" : "✘")} {r.Status}[/]  {exit}  in {r.Duration.TotalSeconds.ToString("0.00", CultureInfo.InvariantCulture)} s  [grey](execution {r.ExecutionId})[/]");
        if (r.Error is not null) err.MarkupLine($"  [red]{Markup.Escape(r.Error)}[/]");
        err.MarkupLine($"  output:    {Markup.Escape(r.Output?.ToJsonString(Compact) ?? "null")}");
        err.MarkupLine($"  condition: {(r.Condition is { } c ? (c ? "true" : "false") : "not set")}");
    }

    public void Usage(string message)
    {
        if (json) Console.Out.WriteLine(new JsonObject { ["error"] = message, ["kind"] = "usage" }.ToJsonString(Compact));
        err.MarkupLine($"[red]cronium run: {Markup.Escape(message)}[/]");
    }

    public void Failed(string message)
    {
        if (json) Console.Out.WriteLine(new JsonObject { ["error"] = message, ["kind"] = "runtime" }.ToJsonString(Compact));
        err.MarkupLine($"[red]cronium run failed: {Markup.Escape(message)}[/]");
    }
}
