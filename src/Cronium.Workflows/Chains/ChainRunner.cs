using Cronium.Workflows.Steps;

namespace Cronium.Workflows.Chains;

/// <summary>
/// One step of a chain run, with the action that started it (none for the first event). <see cref="Handled"/>: the
/// step has an ON_FAILURE or ALWAYS action, so its failure is its handlers' to deal with.
/// </summary>
public sealed record ChainStepResult(string Step, string? Kind, StepResult Result, int Depth, bool Handled);

public sealed record ChainResult(string RunId, string Status, IReadOnlyList<ChainStepResult> Steps)
{
    public StepResult Root => Steps[0].Result;
}

/// <summary>
/// Runs an event, then its conditional actions by how it ended, each follow-up event with its own: the chain is
/// recorded as one run (kind <c>event</c>) whose executions say what triggered them.
/// <list type="bullet">
/// <item>ON_SUCCESS when it succeeded; ON_FAILURE when it failed or timed out; ALWAYS either way;</item>
/// <item>ON_CONDITION when the script called setCondition(true) (never set counts as false);</item>
/// <item>a cancelled event (Ctrl-C) starts nothing more.</item>
/// </list>
/// Actions run one after another in the order the file lists them; a follow-up event receives the output as its input.
/// The run succeeds when every step that failed had an ON_FAILURE or ALWAYS action to handle it, as a workflow does.
/// </summary>
public sealed class ChainRunner(StepRunner steps, RuntimeClient runtime)
{
    public async Task<ChainResult> RunAsync(ChainStep root, RunOptions options, IRunObserver observer, CancellationToken cancellationToken)
    {
        var input = (options.HasInput ? options.Input : root.Event.Input)?.DeepClone();
        // A run created queued (cronium serve's runs API, or a schedule's fire) is taken; otherwise it starts here.
        var run = options.RunId is { } queued
            ? await runtime.StartRunAsync(queued, null, cancellationToken)
            : await runtime.CreateRunAsync(new JsonObject
            {
                ["kind"] = "event",
                ["name"] = root.Event.Name,
                ["userId"] = options.UserId,
                ["input"] = input,
                ["metadata"] = new JsonObject { ["source"] = Path.GetFileName(root.Event.Source), ["backend"] = steps.BackendName },
            }, cancellationToken);
        var runId = (string)run["runId"]!;
        PhaseTimings.Mark("run-created");

        var results = new List<ChainStepResult>();
        try
        {
            await RunEventAsync(root, root.Event.Name, null, options with { RunId = runId, Input = input, HasInput = true }, 0, observer, results, cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Cancelled between steps: what ran is recorded; nothing more starts.
        }
        var status = Outcome(results, cancellationToken.IsCancellationRequested);
        var failures = results.Where(r => r.Result.Failed).Select(r => $"{r.Step}: {r.Result.Error ?? $"exit code {r.Result.ExitCode}"}").ToList();
        await runtime.CompleteRunAsync(runId, status, failures.Count == 0 ? null : Clip(string.Join("; ", failures)), CancellationToken.None);
        PhaseTimings.Mark("run-completed");
        return new ChainResult(runId, status, results);
    }

    private async Task RunEventAsync(ChainStep step, string label, string? kind, RunOptions options, int depth, IRunObserver observer, List<ChainStepResult> results, CancellationToken cancellationToken)
    {
        var started = options with { Started = id => { observer.StepStarted(label, 1, id); return Task.CompletedTask; } };
        var result = await steps.RunEventAsync(step.Event, started, observer.Output(label), cancellationToken);
        observer.StepEnded(label, result);
        results.Add(new ChainStepResult(label, kind, result, depth, step.Actions.Any(a => a.Kind is "ON_FAILURE" or "ALWAYS")));
        if (result.Status == StepStatus.Cancelled || cancellationToken.IsCancellationRequested) return;

        foreach (var action in step.Actions.Where(a => Fires(a.Kind, result)))
        {
            cancellationToken.ThrowIfCancellationRequested();
            var trigger = new Trigger(result.ExecutionId!, action.Kind);
            if (action.Event is { } next)
            {
                var nextLabel = $"{label} → {next.Event.Name}";
                await RunEventAsync(next, nextLabel, action.Kind, options with { Input = result.Output?.DeepClone(), HasInput = true, Trigger = trigger, Timeout = null }, depth + 1,
                    observer, results, cancellationToken);
                continue;
            }

            var tool = action.Tool!;
            var toolLabel = $"{label} → {tool.Tool}";
            var model = result.ToModel();
            model["event"] = new JsonObject { ["name"] = step.Event.Name, ["type"] = step.Event.EventType };
            var toolOptions = options with { Trigger = trigger, Timeout = null, Started = id => { observer.StepStarted(toolLabel, 1, id); return Task.CompletedTask; } };
            var sent = await steps.RunToolAsync($"{step.Event.Name} {action.Kind} {tool.Tool}", tool, model, toolOptions, cancellationToken);
            observer.StepEnded(toolLabel, sent);
            results.Add(new ChainStepResult(toolLabel, action.Kind, sent, depth + 1, false));
        }
    }

    /// <summary>Whether an action of this kind follows a step that ended so.</summary>
    public static bool Fires(string kind, StepResult result) => kind switch
    {
        "ON_SUCCESS" => result.Succeeded,
        "ON_FAILURE" => result.Failed,
        "ALWAYS" => result.Succeeded || result.Failed,
        "ON_CONDITION" => result.Condition == true && result.Status != StepStatus.Cancelled,
        _ => false,
    };

    private static string Outcome(List<ChainStepResult> results, bool cancelled)
    {
        if (cancelled || results.Any(r => r.Result.Status == StepStatus.Cancelled)) return StepStatus.Cancelled;
        var unhandled = results.Where(r => r.Result.Failed && !r.Handled).ToList();
        if (unhandled.Count == 0) return StepStatus.Succeeded;
        return unhandled[0].Depth == 0 && unhandled[0].Result.Status == StepStatus.TimedOut ? StepStatus.TimedOut : StepStatus.Failed;
    }

    private static string Clip(string text) => text.Length <= 4000 ? text : text[..4000] + "…";
}
