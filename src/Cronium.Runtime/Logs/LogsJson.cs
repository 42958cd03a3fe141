using System.Text.Json.Serialization;
using Cronium.Runtime.Json;
using Cronium.Runtime.Streaming;

namespace Cronium.Runtime.Logs;

/// <summary>The logs routes' bodies and their stream's events (see <see cref="JsonContracts"/>).</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(AppendLogsRequest))]
[JsonSerializable(typeof(AppendLogsResponse))]
[JsonSerializable(typeof(LogPageResponse))]
[JsonSerializable(typeof(LogEntryResponse))]
[JsonSerializable(typeof(StreamEnd))]
internal sealed partial class LogsJson : JsonSerializerContext
{
    /// <summary>The same contracts made with <see cref="JsonBody.StrictOptions"/>: what request bodies are read with.</summary>
    public static LogsJson Strict { get; } = new(JsonBody.StrictOptions());
}
