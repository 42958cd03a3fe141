using System.Text.Json.Serialization;
using Cronium.Runtime.Json;

namespace Cronium.Runtime.ToolActions;

/// <summary>The tool routes' bodies, and what a sender records of a sent message (see <see cref="JsonContracts"/>).</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(PutToolCredentialRequest))]
[JsonSerializable(typeof(ToolCredentialResponse))]
[JsonSerializable(typeof(ToolCredentialList))]
[JsonSerializable(typeof(ToolActionRequest))]
[JsonSerializable(typeof(ToolActionResult))]
[JsonSerializable(typeof(Dictionary<string, string>))]
internal sealed partial class ToolActionsJson : JsonSerializerContext
{
    /// <summary>The same contracts made with <see cref="JsonBody.StrictOptions"/>: what request bodies are read with.</summary>
    public static ToolActionsJson Strict { get; } = new(JsonBody.StrictOptions());
}
