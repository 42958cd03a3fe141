using System.Text.Json.Serialization;
using Cronium.Runtime.Json;
using Cronium.Runtime.Streaming;

namespace Cronium.Runtime.Runs;

/// <summary>The runs routes' bodies and their stream's events (see <see cref="JsonContracts"/>).</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(CreateRunRequest))]
[JsonSerializable(typeof(StartRunRequest))]
[JsonSerializable(typeof(UpdateRunNodeRequest))]
[JsonSerializable(typeof(CompleteRunRequest))]
[JsonSerializable(typeof(RunResponse))]
[JsonSerializable(typeof(RunNodeResponse))]
[JsonSerializable(typeof(RunListResponse))]
[JsonSerializable(typeof(StreamEnd))]
[JsonSerializable(typeof(Dictionary<string, string>))]
internal sealed partial class RunsJson : JsonSerializerContext
{
    /// <summary>The same contracts made with <see cref="JsonBody.StrictOptions"/>: what request bodies are read with.</summary>
    public static RunsJson Strict { get; } = new(JsonBody.StrictOptions());
}
