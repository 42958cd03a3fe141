using Cronium.Execution.Events;
using Cronium.Execution.Runtime;

namespace Cronium.Execution;

/// <summary>
/// A tool action as an execution of its own (type TOOL_ACTION), so it is recorded like any step: created, run through
/// the runtime with its own token exactly as a script's <c>toolAction</c> call would be, its answer stored as its
/// output, completed. The action runs inside the runtime; the credential's secret never reaches this process.
/// Its input is what was sent: the tool, action, credential and the (already rendered) params.
/// </summary>
public sealed class ToolActionRunner(RuntimeClient runtime)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(90);

    public async Task<RunResult> RunAsync(string name, ToolCall call, JsonObject parameters, RunOptions options, CancellationToken cancellationToken)
    {
        var request = new JsonObject { ["tool"] = call.Tool, ["action"] = call.Action, ["credential"] = call.Credential, ["params"] = parameters.DeepClone() };
        var created = await runtime.CreateExecutionAsync(
            ExecutionRunner.Request(name, "TOOL_ACTION", options.Timeout ?? Timeout, request, options, new JsonObject { ["tool"] = call.Tool }),
            cancellationToken);
        var clock = Stopwatch.StartNew();
        string status;
        string? error;
        JsonNode? answer = null;
        try
        {
            if (options.Started is { } started) await started(created.ExecutionId);
            answer = await runtime.SendAsScriptAsync(HttpMethod.Post, created.ExecutionId, "tool-actions", created.Token, request, cancellationToken);
            var success = (bool?)answer?["success"] == true;
            status = success ? "succeeded" : "failed";
            error = success ? null : (string?)answer?["error"] ?? $"{call.Tool} did not succeed";
            await runtime.SendAsScriptAsync(HttpMethod.Put, created.ExecutionId, "output", created.Token, new JsonObject { ["data"] = answer?.DeepClone() }, cancellationToken);
        }
        catch (RuntimeApiException e) when (e.Status is 404 or 422)
        {
            // A missing credential or an action the tool cannot run: this step failed, the run goes on to its handlers.
            (status, error) = ("failed", $"{e.Code}: {e.Detail}");
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            (status, error) = ("cancelled", "cancelled");
        }
        catch (Exception e) when (e is HttpRequestException or RuntimeApiException)
        {
            // The token must die whatever happened: complete, then let the caller see the cause.
            await runtime.CompleteExecutionAsync(created.ExecutionId, "failed", null, $"tool action: {e.Message}", CancellationToken.None);
            throw;
        }
        clock.Stop();

        var line = status == "succeeded"
            ? $"{call.Tool} {call.Action} with credential '{call.Credential}': sent\n"
            : $"{call.Tool} {call.Action} with credential '{call.Credential}': {error}\n";
        var log = new LogRecorder(runtime, created.ExecutionId, NullSink.Instance);
        log.Write(status == "succeeded" ? Backends.OutputStream.Stdout : Backends.OutputStream.Stderr, line);
        await log.CompleteAsync();

        var completed = await runtime.CompleteExecutionAsync(created.ExecutionId, status, null, error, CancellationToken.None);
        return new RunResult(created.ExecutionId, status, null, clock.Elapsed, completed["output"]?.DeepClone(), null, error) { Input = request };
    }

    private sealed class NullSink : Backends.IOutputSink
    {
        public static readonly NullSink Instance = new();

        public void Write(Backends.OutputStream stream, string text)
        {
        }
    }
}
