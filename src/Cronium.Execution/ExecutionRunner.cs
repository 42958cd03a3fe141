using System.Diagnostics;
using System.Text.Json.Nodes;
using Cronium.Execution.Backends;
using Cronium.Execution.Events;
using Cronium.Execution.Runtime;

namespace Cronium.Execution;

public sealed record RunOptions
{
    public JsonNode? Input { get; init; }
    public bool HasInput { get; init; }
    public IReadOnlyDictionary<string, JsonNode?> Variables { get; init; } = new Dictionary<string, JsonNode?>();
    public IReadOnlyDictionary<string, string> Environment { get; init; } = new Dictionary<string, string>();
    public TimeSpan? Timeout { get; init; }
    public string UserId { get; init; } = "local";
}

public sealed record RunResult(string ExecutionId, string Status, int? ExitCode, TimeSpan Duration, JsonNode? Output, bool? Condition, string? Error);

/// <summary>
/// One event, start to end: create the execution (its token), run the script on a backend with the helper
/// environment, complete the execution whatever happened (the token dies), and read back output and condition.
/// </summary>
public sealed class ExecutionRunner(RuntimeClient runtime, RuntimeEndpoint endpoint, IExecutionBackend backend)
{
    public async Task<RunResult> RunAsync(EventDefinition ev, RunOptions options, IOutputSink output, CancellationToken cancellationToken)
    {
        ev = options.Timeout is { } timeout ? ev with { Timeout = timeout } : ev;
        foreach (var (key, value) in options.Variables)
            await runtime.SetUserVariableAsync(options.UserId, key, value, cancellationToken);

        var created = await runtime.CreateExecutionAsync(new JsonObject
        {
            ["event"] = new JsonObject { ["id"] = Slug(ev.Name), ["name"] = ev.Name, ["type"] = ev.EventType },
            ["userId"] = options.UserId,
            ["input"] = (options.HasInput ? options.Input : ev.Input)?.DeepClone(),
            ["timeoutSeconds"] = (int)Math.Ceiling(ev.Timeout.TotalSeconds),
            ["metadata"] = new JsonObject { ["source"] = Path.GetFileName(ev.Source), ["backend"] = backend.Name },
        }, cancellationToken);

        var clock = Stopwatch.StartNew();
        BackendResult result;
        try
        {
            result = await backend.RunAsync(new BackendRequest(ev, created.ExecutionId, created.Token, endpoint, options.Environment), output, cancellationToken);
        }
        catch (Exception e)
        {
            // The job never ran to an end of its own: record that, so the token dies, then report the cause.
            await runtime.CompleteExecutionAsync(created.ExecutionId, cancellationToken.IsCancellationRequested ? "cancelled" : "failed", null,
                $"{backend.Name} backend: {e.Message}", CancellationToken.None);
            throw;
        }
        clock.Stop();

        var status = result.Termination switch
        {
            Termination.TimedOut => "timed_out",
            Termination.Cancelled => "cancelled",
            _ => result.ExitCode == 0 ? "succeeded" : "failed",
        };
        var completed = await runtime.CompleteExecutionAsync(created.ExecutionId, status, result.ExitCode, result.Error, CancellationToken.None);
        return new RunResult(created.ExecutionId, status, result.ExitCode, clock.Elapsed, completed["output"]?.DeepClone(), (bool?)completed["condition"], result.Error);
    }

    private static string Slug(string name)
    {
        var slug = new string(name.ToLowerInvariant().Select(c => char.IsAsciiLetterOrDigit(c) ? c : '-').ToArray()).Trim('-');
        return slug.Length == 0 ? "event" : slug.Length > 128 ? slug[..128] : slug;
    }
}
