using System.Text.Json;
using System.Text.Json.Serialization;
using Cronium.Runtime.Json;

namespace Cronium.Service.Runs;

/// <summary>The start-a-run route's bodies (see <see cref="JsonContracts"/>).</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(StartRunRequest))]
[JsonSerializable(typeof(StartedRun))]
internal sealed partial class StartRunsJson : JsonSerializerContext
{
    /// <summary>The same contracts made with <see cref="JsonBody.StrictOptions"/>: what request bodies are read with.</summary>
    public static StartRunsJson Strict { get; } = new(JsonBody.StrictOptions());
}
