using System.Globalization;

namespace Cronium.Cli;

/// <summary>
/// <c>cronium runs list|show</c> and <c>cronium logs</c>: the records every run leaves in the runtime (the embedded
/// default's SQLite file, or a runtime named with --runtime), readable after the process that ran it has gone.
/// </summary>
internal static class RunsCommand
{
    private static readonly Option<string?> RuntimeOption = CommonOptions.Runtime();
    private static readonly Option<string?> KeyOption = CommonOptions.Key();
    private static readonly Option<bool> JsonOption = CommonOptions.Json();
    private static readonly Option<int> LimitOption = new("--limit") { Description = "How many runs (1 to 500, newest first).", DefaultValueFactory = _ => 20 };
    private static readonly Option<string?> StatusOption = new("--status") { Description = "Only runs that ended so (running, succeeded, failed, timed_out, cancelled)." };
    private static readonly Argument<string> IdArgument = new("id") { Description = "A run id, or an execution id." };
    private static readonly Option<bool> FollowOption = new("--follow", "-f") { Description = "Keep printing a running execution's output until it ends." };

    public static Command Create()
    {
        var list = new Command("list", "The latest runs, newest first.") { LimitOption, StatusOption, RuntimeOption, KeyOption, JsonOption };
        list.SetAction((parse, _) => WithRuntime(parse, "runs list", (client, cancel) => ListAsync(parse, client, cancel)));
        var show = new Command("show", "A run (its nodes or its events' executions), or an execution.") { IdArgument, RuntimeOption, KeyOption, JsonOption };
        show.SetAction((parse, _) => WithRuntime(parse, "runs show", (client, cancel) => ShowAsync(parse, client, cancel)));
        return new Command("runs", "What ran: events with their conditional actions, and workflows.") { list, show };
    }

    public static Command CreateLogs()
    {
        var logs = new Command("logs", "An execution's output (stdout and stderr in the order they came), or every execution's of a run.")
        {
            IdArgument, FollowOption, RuntimeOption, KeyOption,
        };
        logs.SetAction((parse, _) => WithRuntime(parse, "logs", (client, cancel) => LogsAsync(parse, client, cancel)));
        return logs;
    }

    private static async Task<int> WithRuntime(ParseResult parse, string command, Func<RuntimeClient, CancellationToken, Task<int>> work)
    {
        var err = Terminal.Error();
        var json = parse.GetResult(JsonOption) is not null && parse.GetValue(JsonOption);
        RuntimeTarget target;
        try
        {
            target = CommonOptions.Target(parse.GetValue(RuntimeOption), parse.GetValue(KeyOption));
        }
        catch (UsageException e)
        {
            Terminal.Usage(err, json, command, e.Message);
            return ExitCodes.Usage;
        }
        return await Cancellable.RunAsync(message => Terminal.Failed(err, json, command, message), async cancel =>
        {
            await using var session = await RuntimeSession.OpenAsync(target, cancel);
            try
            {
                return await work(session.Client, cancel);
            }
            catch (RuntimeApiException e) when (e.Status is 400 or 404)
            {
                Terminal.Usage(err, json, command, e.Message);
                return ExitCodes.Usage;
            }
            catch (UsageException e)
            {
                Terminal.Usage(err, json, command, e.Message);
                return ExitCodes.Usage;
            }
        });
    }

    private static async Task<int> ListAsync(ParseResult parse, RuntimeClient client, CancellationToken cancel)
    {
        var query = $"?limit={parse.GetValue(LimitOption)}" + (parse.GetValue(StatusOption) is { } s ? "&status=" + Uri.EscapeDataString(s) : "");
        var page = await client.ListRunsAsync(query, cancel);
        if (parse.GetValue(JsonOption))
        {
            Console.Out.WriteLine(page.ToJsonString(Terminal.Compact));
            return 0;
        }
        var table = new Table().Border(TableBorder.Rounded).AddColumns("run", "kind", "name", "status", "started", "duration");
        foreach (var run in page["items"]!.AsArray())
            table.AddRow((string)run!["runId"]!, (string)run["kind"]!, Markup.Escape((string)run["name"]!), Status((string)run["status"]!),
                Time(run["startedAt"]), Duration(run["startedAt"], run["completedAt"]));
        Terminal.Error().Write(table);
        return 0;
    }

    private static async Task<int> ShowAsync(ParseResult parse, RuntimeClient client, CancellationToken cancel)
    {
        var id = parse.GetValue(IdArgument)!;
        var json = parse.GetValue(JsonOption);
        var err = Terminal.Error();
        JsonObject document;
        try
        {
            document = await client.GetRunAsync(id, cancel);
        }
        catch (RuntimeApiException e) when (e.Code == "run_not_found")
        {
            // Not a run: maybe one of its executions.
            var execution = await client.GetExecutionAsync(id, cancel);
            if (json)
            {
                Console.Out.WriteLine(execution.ToJsonString(Terminal.Compact));
                return 0;
            }
            err.MarkupLine($"execution [bold]{id}[/]  {Markup.Escape((string)execution["event"]!["name"]!)} ({(string)execution["event"]!["type"]!})  {Status((string)execution["status"]!)}");
            err.MarkupLine($"  run:       {(string?)execution["runId"] ?? "none"}{(execution["workflow"] is JsonObject w ? $"  node {(string)w["nodeId"]!}" : "")}  attempt {(int)execution["attempt"]!}");
            err.MarkupLine($"  started:   {Time(execution["startedAt"])}  duration {Duration(execution["startedAt"], execution["completedAt"])}  exit {(execution["exitCode"] is { } code ? code.ToJsonString() : "none")}");
            err.MarkupLine($"  input:     {Markup.Escape(Terminal.Json(execution["input"]))}");
            err.MarkupLine($"  output:    {Markup.Escape(Terminal.Json(execution["output"]))}");
            err.MarkupLine($"  condition: {Terminal.Condition((bool?)execution["condition"])}");
            if ((string?)execution["error"] is { } error) err.MarkupLine($"  error:     [red]{Markup.Escape(error)}[/]");
            return 0;
        }
        if (json)
        {
            Console.Out.WriteLine(document.ToJsonString(Terminal.Compact));
            return 0;
        }
        err.MarkupLine($"{(string)document["kind"]!} [bold]{Markup.Escape((string)document["name"]!)}[/]  {Status((string)document["status"]!)}  [grey](run {id})[/]");
        err.MarkupLine($"  started {Time(document["startedAt"])}, {Duration(document["startedAt"], document["completedAt"])}; input {Markup.Escape(Terminal.Json(document["input"]))}");
        if ((string?)document["error"] is { } runError) err.MarkupLine($"  [red]{Markup.Escape(runError)}[/]");
        var nodes = document["nodes"]!.AsArray();
        if (nodes.Count > 0)
        {
            var table = new Table().Border(TableBorder.Rounded).AddColumns("node", "status", "attempts", "duration", "condition", "output", "execution");
            foreach (var n in nodes)
                table.AddRow(Markup.Escape((string)n!["nodeId"]!), Status((string)n["status"]!), ((int)n["attempts"]!).ToString(CultureInfo.InvariantCulture),
                    Duration(n["startedAt"], n["completedAt"]), n["executionId"] is null ? "" : Terminal.Condition((bool?)n["condition"]),
                    Markup.Escape(Clip(Terminal.Json(n["output"]))), (string?)n["executionId"] ?? "");
            err.Write(table);
        }
        else
        {
            var table = new Table().Border(TableBorder.Rounded).AddColumns("execution", "event", "trigger", "status", "exit", "duration");
            foreach (var e in document["executions"]!.AsArray())
                table.AddRow((string)e!["executionId"]!, Markup.Escape((string)e["event"]!["name"]!), (string?)e["trigger"]?["kind"] ?? "", Status((string)e["status"]!),
                    e["exitCode"]?.ToJsonString() ?? "", Duration(e["startedAt"], e["completedAt"]));
            err.Write(table);
        }
        return 0;
    }

    private static async Task<int> LogsAsync(ParseResult parse, RuntimeClient client, CancellationToken cancel)
    {
        var id = parse.GetValue(IdArgument)!;
        var follow = parse.GetValue(FollowOption);
        JsonArray executions;
        try
        {
            executions = (await client.GetRunAsync(id, cancel))["executions"]!.AsArray();
        }
        catch (RuntimeApiException e) when (e.Code == "run_not_found")
        {
            await PrintLogAsync(client, id, follow, cancel);
            return 0;
        }
        if (follow) throw new UsageException("--follow takes an execution id (cronium runs show RUN lists them)");
        foreach (var e in executions)
        {
            var node = (string?)e!["nodeId"];
            // On stdout with the logs, so a saved copy keeps which part is whose.
            Console.Out.WriteLine($"── {node ?? (string)e["event"]!["name"]!} (attempt {(int)e["attempt"]!}, execution {(string)e["executionId"]!}) ──");
            await PrintLogAsync(client, (string)e["executionId"]!, false, cancel);
        }
        return 0;
    }

    /// <summary>
    /// Prints an execution's log as it was written: stdout to stdout, stderr to stderr. With follow, live until it
    /// ends, as server-sent events (a dropped connection resumes after the last line printed).
    /// </summary>
    private static async Task PrintLogAsync(RuntimeClient client, string executionId, bool follow, CancellationToken cancel)
    {
        if (follow)
        {
            await foreach (var item in client.FollowLogsAsync(executionId, cancel)) Print(item);
            return;
        }
        long after = 0;
        while (true)
        {
            var page = await client.GetLogsAsync(executionId, after, cancel);
            foreach (var item in page["items"]!.AsArray()) Print(item!.AsObject());
            after = (long)page["nextAfter"]!;
            if ((bool)page["complete"]! || page["items"]!.AsArray().Count == 0) return;
        }
    }

    private static void Print(JsonObject item)
    {
        var writer = (string)item["stream"]! == "stdout" ? Console.Out : Console.Error;
        writer.Write((string)item["text"]!);
        writer.Flush();
    }

    private static string Status(string status) => $"[{Terminal.Colour(status)}]{Terminal.Mark(status)} {status}[/]";

    private static string Time(JsonNode? at) => at is null ? "" : DateTimeOffset.Parse((string)at!, CultureInfo.InvariantCulture).ToLocalTime().ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture);

    private static string Duration(JsonNode? start, JsonNode? end) =>
        start is null || end is null ? "" : Terminal.Seconds(DateTimeOffset.Parse((string)end!, CultureInfo.InvariantCulture) - DateTimeOffset.Parse((string)start!, CultureInfo.InvariantCulture));

    private static string Clip(string text) => text.Length <= 60 ? text : text[..59] + "…";
}
