using System.Text.Json.Serialization;
using Cronium.Runtime.Json;

namespace Cronium.Runtime.Variables;

/// <summary>The variables routes' bodies (see <see cref="JsonContracts"/>).</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(SetVariableRequest))]
[JsonSerializable(typeof(VariableResponse))]
[JsonSerializable(typeof(VariableVersionResponse))]
[JsonSerializable(typeof(VariableListResponse))]
internal sealed partial class VariablesJson : JsonSerializerContext
{
    /// <summary>The same contracts made with <see cref="JsonBody.StrictOptions"/>: what request bodies are read with.</summary>
    public static VariablesJson Strict { get; } = new(JsonBody.StrictOptions());
}
