using System.Text.Json.Serialization;
using Cronium.Runtime.Json;

namespace Cronium.Runtime.Executions;

/// <summary>The executions routes' bodies, and what an execution's row keeps as JSON (see <see cref="JsonContracts"/>).</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(CreateExecutionRequest))]
[JsonSerializable(typeof(CompleteExecutionRequest))]
[JsonSerializable(typeof(SetDataRequest))]
[JsonSerializable(typeof(SetConditionRequest))]
[JsonSerializable(typeof(CreatedExecution))]
[JsonSerializable(typeof(DataEnvelope))]
[JsonSerializable(typeof(ExecutionResponse))]
[JsonSerializable(typeof(ExecutionEvent))]
[JsonSerializable(typeof(ConditionState))]
[JsonSerializable(typeof(WorkflowRef))]
[JsonSerializable(typeof(TriggerRef))]
[JsonSerializable(typeof(Dictionary<string, string>))]
internal sealed partial class ExecutionsJson : JsonSerializerContext
{
    /// <summary>The same contracts made with <see cref="JsonBody.StrictOptions"/>: what request bodies are read with.</summary>
    public static ExecutionsJson Strict { get; } = new(JsonBody.StrictOptions());
}
