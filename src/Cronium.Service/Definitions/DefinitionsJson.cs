using System.Text.Json;
using System.Text.Json.Serialization;
using Cronium.Runtime.Json;

namespace Cronium.Service.Definitions;

/// <summary>The definitions routes' bodies (see <see cref="JsonContracts"/>).</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(DefinitionUpload))]
[JsonSerializable(typeof(DefinitionResponse))]
[JsonSerializable(typeof(DefinitionList))]
[JsonSerializable(typeof(SavedDefinition))]
internal sealed partial class DefinitionsJson : JsonSerializerContext
{
    /// <summary>The same contracts made with <see cref="JsonBody.StrictOptions"/>: what request bodies are read with.</summary>
    public static DefinitionsJson Strict { get; } = new(JsonBody.StrictOptions());
}
