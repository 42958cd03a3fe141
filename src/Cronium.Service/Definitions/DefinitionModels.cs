using Cronium.Runtime.Json;

namespace Cronium.Service.Definitions;

/// <summary>An upload: the YAML as text, and the files it names by their paths relative to it.</summary>
internal sealed record DefinitionUpload(string Definition, Dictionary<string, string>? Files = null)
{
    public static async ValueTask<DefinitionUpload?> BindAsync(HttpContext http) => await JsonBody.BindAsync(http, DefinitionsJson.Strict.DefinitionUpload);
}

internal sealed record ScheduleResponse(string Cron, string Timezone, string Overlap);

internal sealed record DefinitionSummary(string Kind, string Name, string Hash, ScheduleResponse? Schedule, DateTimeOffset? NextFireAt);

internal sealed record DefinitionResponse(string Kind, string Name, string Hash, ScheduleResponse? Schedule, DateTimeOffset? NextFireAt,
    string Definition, IReadOnlyDictionary<string, string> Files);

internal sealed record SavedDefinition(string Kind, string Name, string Hash, string Change, ScheduleResponse? Schedule, DateTimeOffset? NextFireAt);

internal sealed record DefinitionList(IReadOnlyList<DefinitionSummary> Items);
