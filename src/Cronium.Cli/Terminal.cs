using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Spectre.Console;

namespace Cronium.Cli;

/// <summary>What every command's screen shares: stderr for people (colours when it is a terminal), stdout for data.</summary>
internal static class Terminal
{
    public static readonly JsonSerializerOptions Compact = new() { WriteIndented = false };

    public static IAnsiConsole Error()
    {
        var err = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) });
        // Piped into a file or a log collector, a line is a line: no wrapping at an imagined 80 columns.
        if (Console.IsErrorRedirected) err.Profile.Width = 4096;
        return err;
    }

    public static string Json(JsonNode? node) => node?.ToJsonString(Compact) ?? "null";

    public static string Seconds(TimeSpan span) => span.TotalSeconds.ToString("0.00", CultureInfo.InvariantCulture) + " s";

    public static string Condition(bool? condition) => condition is { } c ? (c ? "true" : "false") : "not set";

    public static string Colour(string status) => status switch
    {
        "succeeded" => "green",
        "skipped" or "pending" => "grey",
        "running" => "blue",
        _ => "red",
    };

    public static string Mark(string status) => status switch
    {
        "succeeded" => "✔",
        "skipped" => "–",
        "running" or "pending" => "…",
        _ => "✘",
    };

    /// <summary>A usage error, on stderr; with --json also as a document on stdout.</summary>
    public static void Usage(IAnsiConsole err, bool json, string command, string message)
    {
        if (json) Console.Out.WriteLine(new JsonObject { ["error"] = message, ["kind"] = "usage" }.ToJsonString(Compact));
        err.MarkupLine($"[red]cronium {command}: {Markup.Escape(message)}[/]");
    }

    public static void Failed(IAnsiConsole err, bool json, string command, string message)
    {
        if (json) Console.Out.WriteLine(new JsonObject { ["error"] = message, ["kind"] = "runtime" }.ToJsonString(Compact));
        err.MarkupLine($"[red]cronium {command} failed: {Markup.Escape(message)}[/]");
    }
}
