using Cronium.Execution.Backends;
using Cronium.Execution.Events;
using Cronium.Execution.Runtime;

namespace Cronium.Execution;

/// <summary>Where an execution sits in a workflow run; <see cref="Workflow"/> is the workflow's name.</summary>
public sealed record WorkflowPlace(string Workflow, string RunId, string NodeId);

/// <summary>The execution whose conditional action started this one, and the action's kind (ON_SUCCESS ...).</summary>
public sealed record Trigger(string ExecutionId, string Kind);

public sealed record RunOptions
{
    public JsonNode? Input { get; init; }
    public bool HasInput { get; init; }
    public IReadOnlyDictionary<string, JsonNode?> Variables { get; init; } = new Dictionary<string, JsonNode?>();
    public IReadOnlyDictionary<string, string> Environment { get; init; } = new Dictionary<string, string>();
    public TimeSpan? Timeout { get; init; }
    public string UserId { get; init; } = "local";

    /// <summary>The run (createRun) the execution is recorded under, if any.</summary>
    public string? RunId { get; init; }

    public WorkflowPlace? Workflow { get; init; }
    public Trigger? Trigger { get; init; }
    public int Attempt { get; init; } = 1;

    /// <summary>The fire time a schedule meant (cronium serve): the script's context carries it as <c>scheduledAt</c>.</summary>
    public DateTimeOffset? ScheduledAt { get; init; }

    /// <summary>Told the execution's id as soon as it exists, before the job starts (a run record can show it running).</summary>
    public Func<string, Task>? Started { get; init; }
}

public sealed record RunResult(string ExecutionId, string Status, int? ExitCode, TimeSpan Duration, JsonNode? Output, bool? Condition, string? Error)
{
    /// <summary>What the execution was given as its input.</summary>
    public JsonNode? Input { get; init; }
}

/// <summary>
/// One event, start to end: create the execution (its token), run the script on a backend with the helper
/// environment, record its output as its log, complete the execution whatever happened (the token dies), and
/// read back output and condition.
/// </summary>
public sealed class ExecutionRunner(RuntimeClient runtime, RuntimeEndpoint endpoint, IExecutionBackend backend)
{
    public string BackendName => backend.Name;

    public async Task<RunResult> RunAsync(EventDefinition ev, RunOptions options, IOutputSink output, CancellationToken cancellationToken)
    {
        ev = options.Timeout is { } timeout ? ev with { Timeout = timeout } : ev;
        foreach (var (key, value) in options.Variables)
            await runtime.SetUserVariableAsync(options.UserId, key, value, cancellationToken);

        var input = (options.HasInput ? options.Input : ev.Input)?.DeepClone();
        var created = await runtime.CreateExecutionAsync(
            Request(ev.Name, ev.EventType, ev.Timeout, input, options, new JsonObject { ["source"] = Path.GetFileName(ev.Source), ["backend"] = backend.Name }),
            cancellationToken);
        PhaseTimings.Mark("execution-created");
        var log = new LogRecorder(runtime, created.ExecutionId, output);
        var clock = Stopwatch.StartNew();
        BackendResult result;
        try
        {
            if (options.Started is { } started) await started(created.ExecutionId);
            result = await backend.RunAsync(new BackendRequest(ev, created.ExecutionId, created.Token, endpoint, options.Environment), log, cancellationToken);
        }
        catch (Exception e)
        {
            // The job never ran to an end of its own: record that, so the token dies, then report the cause.
            await log.CompleteAsync();
            await runtime.CompleteExecutionAsync(created.ExecutionId, cancellationToken.IsCancellationRequested ? "cancelled" : "failed", null,
                $"{backend.Name} backend: {e.Message}", CancellationToken.None);
            throw;
        }
        clock.Stop();
        PhaseTimings.Mark("script-ended");

        await log.CompleteAsync();
        PhaseTimings.Mark("log-flushed");
        if (log.Problem is { } problem) output.Write(OutputStream.Stderr, $"cronium: {problem}\n");
        var status = result.Termination switch
        {
            Termination.TimedOut => "timed_out",
            Termination.Cancelled => "cancelled",
            _ => result.ExitCode == 0 ? "succeeded" : "failed",
        };
        var completed = await runtime.CompleteExecutionAsync(created.ExecutionId, status, result.ExitCode, result.Error, CancellationToken.None);
        PhaseTimings.Mark("execution-completed");
        await result.Cleanup;
        return new RunResult(created.ExecutionId, status, result.ExitCode, clock.Elapsed, completed["output"]?.DeepClone(), (bool?)completed["condition"], result.Error)
        {
            Input = input,
        };
    }

    /// <summary>createExecution's body, the same for a script and a tool action.</summary>
    internal static JsonObject Request(string name, string type, TimeSpan timeout, JsonNode? input, RunOptions options, JsonObject metadata)
    {
        var request = new JsonObject
        {
            ["event"] = new JsonObject { ["id"] = Slug(name), ["name"] = name, ["type"] = type },
            ["userId"] = options.UserId,
            ["input"] = input?.DeepClone(),
            ["timeoutSeconds"] = (int)Math.Ceiling(timeout.TotalSeconds),
            ["attempt"] = options.Attempt,
            ["metadata"] = metadata,
        };
        if (options.RunId is not null) request["runId"] = options.RunId;
        if (options.Workflow is { } w) request["workflow"] = new JsonObject { ["id"] = w.Workflow, ["runId"] = w.RunId, ["nodeId"] = w.NodeId };
        if (options.ScheduledAt is { } at) request["scheduledAt"] = at.ToString("O");
        if (options.Trigger is { } t) request["trigger"] = new JsonObject { ["executionId"] = t.ExecutionId, ["kind"] = t.Kind };
        return request;
    }

    private static string Slug(string name)
    {
        var slug = new string(name.ToLowerInvariant().Select(c => char.IsAsciiLetterOrDigit(c) ? c : '-').ToArray()).Trim('-');
        return slug.Length == 0 ? "event" : slug.Length > 128 ? slug[..128] : slug;
    }
}
