using Cronium.Workflows.Templates;

namespace Cronium.Workflows.Steps;

/// <summary>Runs one step as an execution: an event on the backend, or a tool action through the runtime with its params rendered first.</summary>
public sealed class StepRunner(ExecutionRunner events, ToolActionRunner tools)
{
    public string BackendName => events.BackendName;

    public async Task<StepResult> RunEventAsync(EventDefinition ev, RunOptions options, IOutputSink output, CancellationToken cancellationToken) =>
        StepResult.From(await events.RunAsync(ev, options, output, cancellationToken));

    /// <summary>
    /// The params are rendered over <paramref name="model"/> before anything is created or sent: a template that names
    /// missing data fails the step with that name, and no provider hears of it.
    /// </summary>
    public async Task<StepResult> RunToolAsync(string name, ToolCall call, JsonObject model, RunOptions options, CancellationToken cancellationToken)
    {
        JsonObject parameters;
        try
        {
            parameters = await ParamsTemplate.RenderAsync(call.Params, model);
        }
        catch (TemplateException e)
        {
            return StepResult.NotRun(StepStatus.Failed, $"not sent: {e.Message}");
        }
        return StepResult.From(await tools.RunAsync(name, call, parameters, options, cancellationToken));
    }
}
