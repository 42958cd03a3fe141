using System.Diagnostics;
using Cronium.Workflows.Definitions;
using Cronium.Workflows.Steps;

namespace Cronium.Workflows.Engine;

public sealed record WorkflowRunOptions
{
    /// <summary>Given on the command line: replaces the workflow's own input.</summary>
    public JsonNode? Input { get; init; }
    public bool HasInput { get; init; }
    public int? Concurrency { get; init; }
    public string UserId { get; init; } = "local";

    /// <summary>A run created <c>queued</c> (cronium serve's runs API): taken with startRun instead of created.</summary>
    public string? QueuedRunId { get; init; }

    /// <summary>The fire time a schedule meant; every node's context carries it.</summary>
    public DateTimeOffset? ScheduledAt { get; init; }

    /// <summary>
    /// Which try of its fire this run is (cronium serve runs a run its dead instance left again as a new run): a
    /// node's context <c>attempt</c> counts on from it, so a script can tell it is not the first to try.
    /// </summary>
    public int RunAttempt { get; init; } = 1;
}

public sealed record WorkflowResult(string RunId, string Status, TimeSpan Duration, IReadOnlyDictionary<string, StepResult> Nodes, string? Error);

/// <summary>
/// Runs a workflow's graph. A node waits until every predecessor has ended; it runs when one incoming edge is
/// satisfied (<c>join: any</c>) or all are (<c>join: all</c>), else it is skipped (and so, in turn, may its
/// successors be). Its input is its predecessor's output, or with several satisfied predecessors an object keyed by
/// their ids; roots get the workflow's input. Independent nodes run at once, up to the concurrency. A failed attempt
/// is retried as a new execution after the backoff. The run, every node's state and every execution are recorded
/// through the runtime as they change.
/// </summary>
public sealed class WorkflowEngine(StepRunner steps, RuntimeClient runtime)
{
    private RuntimeClient Runtime => runtime;

    public async Task<WorkflowResult> RunAsync(WorkflowDefinition workflow, WorkflowRunOptions options, IRunObserver observer, CancellationToken cancellationToken)
    {
        var input = (options.HasInput ? options.Input : workflow.Input)?.DeepClone();
        var nodes = new JsonArray(workflow.Nodes.Select(n => (JsonNode)new JsonObject { ["id"] = n.Id, ["kind"] = n.Kind }).ToArray());
        var run = options.QueuedRunId is { } queued
            ? await runtime.StartRunAsync(queued, nodes, cancellationToken)
            : await runtime.CreateRunAsync(new JsonObject
            {
                ["kind"] = "workflow",
                ["name"] = workflow.Name,
                ["userId"] = options.UserId,
                ["input"] = input,
                ["nodes"] = nodes,
                ["metadata"] = new JsonObject { ["source"] = Path.GetFileName(workflow.Source), ["backend"] = steps.BackendName },
            }, cancellationToken);
        var runId = (string)run["runId"]!;

        using var deadline = workflow.Timeout is { } limit ? new CancellationTokenSource(limit) : new CancellationTokenSource();
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, deadline.Token);
        var clock = Stopwatch.StartNew();
        var state = new RunState(workflow, runId, input, options, observer, stop.Token);
        await new Scheduler(this, state).RunAsync();
        clock.Stop();

        var status = deadline.IsCancellationRequested && !cancellationToken.IsCancellationRequested ? StepStatus.TimedOut
            : cancellationToken.IsCancellationRequested ? StepStatus.Cancelled
            : Unhandled(workflow, state.Done).Any() ? StepStatus.Failed
            : StepStatus.Succeeded;
        var error = status switch
        {
            StepStatus.TimedOut => $"the workflow's timeout ({workflow.Timeout}) passed",
            StepStatus.Failed => "unhandled failure of " + string.Join(", ", Unhandled(workflow, state.Done)),
            _ => null,
        };
        await runtime.CompleteRunAsync(runId, status, error, CancellationToken.None);
        return new WorkflowResult(runId, status, clock.Elapsed, workflow.Nodes.ToDictionary(n => n.Id, n => state.Done[n.Id]), error);
    }

    /// <summary>Nodes that failed (or timed out) with no ON_FAILURE or ALWAYS edge to handle them.</summary>
    private static IEnumerable<string> Unhandled(WorkflowDefinition workflow, IReadOnlyDictionary<string, StepResult> done) =>
        workflow.Nodes.Where(n => done.TryGetValue(n.Id, out var r) && r.Failed && !workflow.OutOf(n.Id).Any(e => e.When is "ON_FAILURE" or "ALWAYS"))
            .Select(n => n.Id);

    /// <summary>Whether an edge lets its target run, given how its source ended.</summary>
    public static bool Satisfied(string when, StepResult from) => Chains.ChainRunner.Fires(when, from);

    /// <summary>One node, start to end: its attempts (each a new execution), with the backoff between them.</summary>
    private async Task<StepResult> RunNodeAsync(WorkflowNode node, JsonNode? input, RunState state, SemaphoreSlim slots)
    {
        var policy = node.Retries;
        StepResult result = StepResult.NotRun(StepStatus.Cancelled, "cancelled before it started");
        for (var attempt = 1; attempt <= policy.Attempts; attempt++)
        {
            try
            {
                if (attempt > 1 && policy.Backoff > TimeSpan.Zero)
                {
                    state.Observer.Note(node.Id, $"attempt {attempt - 1} {result.Status}; retrying in {policy.Backoff.TotalSeconds:0.#} s (attempt {attempt} of {policy.Attempts})");
                    await Task.Delay(policy.Backoff, state.Stop);
                }
                await slots.WaitAsync(state.Stop);
            }
            catch (OperationCanceledException)
            {
                return (attempt == 1 ? StepResult.NotRun(StepStatus.Cancelled, "cancelled before it started") : result with { Status = StepStatus.Cancelled }) with { Attempts = attempt - 1 };
            }
            try
            {
                var attempted = await RunAttemptAsync(node, input, attempt, state);
                // A step that never ran (its params could not be rendered) made no attempt.
                result = attempted.ExecutionId is null ? attempted : attempted with { Attempts = attempt };
            }
            finally
            {
                slots.Release();
            }
            if (!result.Failed || state.Stop.IsCancellationRequested || result.ExecutionId is null) break;
        }
        return result;
    }

    private async Task<StepResult> RunAttemptAsync(WorkflowNode node, JsonNode? input, int attempt, RunState state)
    {
        var options = new RunOptions
        {
            Input = input?.DeepClone(),
            HasInput = true,
            UserId = state.Options.UserId,
            Timeout = node.Timeout,
            RunId = state.RunId,
            ScheduledAt = state.Options.ScheduledAt,
            Workflow = new WorkflowPlace(state.Workflow.Name, state.RunId, node.Id),
            Attempt = attempt + state.Options.RunAttempt - 1,
            Started = async id =>
            {
                state.Observer.StepStarted(node.Id, attempt, id);
                await runtime.UpdateRunNodeAsync(state.RunId, node.Id, new JsonObject { ["status"] = "running", ["attempts"] = attempt, ["executionId"] = id }, CancellationToken.None);
            },
        };
        if (node.Event is { } ev) return await steps.RunEventAsync(ev, options, state.Observer.Output(node.Id), state.Stop);

        var model = new JsonObject
        {
            ["input"] = input?.DeepClone(),
            ["workflow"] = new JsonObject { ["name"] = state.Workflow.Name, ["runId"] = state.RunId },
            ["nodes"] = new JsonObject(state.Done.Select(d => KeyValuePair.Create(d.Key, (JsonNode?)d.Value.ToModel()))),
        };
        return await steps.RunToolAsync($"{state.Workflow.Name} {node.Id}", node.Tool!, model, options, state.Stop);
    }

    private sealed class RunState(WorkflowDefinition workflow, string runId, JsonNode? input, WorkflowRunOptions options, IRunObserver observer, CancellationToken stop)
    {
        public WorkflowDefinition Workflow { get; } = workflow;
        public string RunId { get; } = runId;
        public JsonNode? Input { get; } = input;
        public WorkflowRunOptions Options { get; } = options;
        public IRunObserver Observer { get; } = observer;
        public CancellationToken Stop { get; } = stop;

        /// <summary>Nodes that have ended, read by tool nodes' templates while others still run.</summary>
        public System.Collections.Concurrent.ConcurrentDictionary<string, StepResult> Done { get; } = new(StringComparer.Ordinal);
    }

    /// <summary>Decides what runs next as nodes end; all its state is touched from the one loop in <see cref="RunAsync"/>.</summary>
    private sealed class Scheduler(WorkflowEngine engine, RunState state)
    {
        private readonly Dictionary<Task<StepResult>, string> running = [];
        private readonly Queue<string> ready = new();

        public async Task RunAsync()
        {
            var workflow = state.Workflow;
            using var slots = new SemaphoreSlim(state.Options.Concurrency ?? workflow.Concurrency);
            foreach (var node in workflow.Nodes.Where(n => !workflow.Into(n.Id).Any())) ready.Enqueue(node.Id);

            while (true)
            {
                while (ready.TryDequeue(out var id))
                {
                    if (state.Stop.IsCancellationRequested)
                    {
                        await EndAsync(id, StepResult.NotRun(StepStatus.Cancelled, "cancelled before it started"));
                        continue;
                    }
                    running[engine.RunNodeAsync(workflow.Node(id), InputOf(id), state, slots)] = id;
                }
                if (running.Count == 0) break;
                var finished = await Task.WhenAny(running.Keys);
                var nodeId = running[finished];
                running.Remove(finished);
                await EndAsync(nodeId, await finished);
            }
            // Nodes never reached (the run was cancelled while their predecessors ran) end cancelled.
            foreach (var node in workflow.Nodes.Where(n => !state.Done.ContainsKey(n.Id)))
                await EndAsync(node.Id, StepResult.NotRun(StepStatus.Cancelled, "cancelled before it started"));
        }

        private async Task EndAsync(string id, StepResult result)
        {
            state.Done[id] = result;
            state.Observer.StepEnded(id, result);
            await engine.Runtime.UpdateRunNodeAsync(state.RunId, id, new JsonObject
            {
                ["status"] = result.Status,
                ["attempts"] = result.Attempts,
                ["executionId"] = result.ExecutionId,
                ["error"] = Clip(result.Error),
            }, CancellationToken.None);

            foreach (var next in state.Workflow.OutOf(id).Select(e => e.To).Distinct())
            {
                var incoming = state.Workflow.Into(next).ToList();
                if (state.Done.ContainsKey(next) || !incoming.All(e => state.Done.ContainsKey(e.From))) continue;
                var satisfied = incoming.Count(e => Satisfied(e.When, state.Done[e.From]));
                var runs = state.Workflow.Node(next).Join == JoinMode.All ? satisfied == incoming.Count : satisfied > 0;
                // Once the run is cancelled, what has not started ends cancelled: it was not skipped by the graph.
                if (state.Stop.IsCancellationRequested) await EndAsync(next, StepResult.NotRun(StepStatus.Cancelled, "cancelled before it started"));
                else if (runs) ready.Enqueue(next);
                else await EndAsync(next, StepResult.NotRun(StepStatus.Skipped, null));
            }
        }

        private JsonNode? InputOf(string id)
        {
            var fed = state.Workflow.Into(id).Where(e => Satisfied(e.When, state.Done[e.From])).Select(e => e.From).ToList();
            return fed.Count switch
            {
                0 => state.Input?.DeepClone(),
                1 => state.Done[fed[0]].Output?.DeepClone(),
                _ => new JsonObject(fed.Select(f => KeyValuePair.Create(f, state.Done[f].Output?.DeepClone()))),
            };
        }

        private static string? Clip(string? text) => text is null || text.Length <= 4000 ? text : text[..4000] + "…";
    }
}
