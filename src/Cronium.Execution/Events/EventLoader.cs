using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Cronium.Execution.Events;

/// <summary>An event file that cannot be used; each problem names the field and the line.</summary>
public sealed class EventFileException(string path, IReadOnlyList<string> problems)
    : Exception($"{path}: {string.Join("; ", problems)}")
{
    public string Path { get; } = path;
    public IReadOnlyList<string> Problems { get; } = problems;
}

/// <summary>
/// Reads an event from a script file (the language from its extension) or from an event YAML:
/// <code>
/// name: hello            # defaults to the file's name
/// language: python       # bash | python | node; defaults from scriptPath's extension
/// script: |              # inline, or scriptPath: hello.py (relative to the YAML)
///   print(cronium.input())
/// input: {name: world}
/// timeout: 30s           # seconds, or with s, m, h
/// environment: {GREETING: hello}
/// resources: {memory: 256m, cpus: 1, pids: 128}
/// network: false
/// actions:               # conditional actions: see EventLoader.Actions.cs
///   ON_SUCCESS: [{event: next.yaml}]
/// </code>
/// </summary>
public static partial class EventLoader
{
    private static readonly string[] Fields = ["name", "language", "script", "scriptPath", "input", "timeout", "environment", "resources", "network", "actions", "schedule", "recovery"];
    private static readonly string[] ResourceFields = ["memory", "cpus", "pids"];

    public static EventDefinition Load(string path, Language? language = null)
    {
        if (!File.Exists(path)) throw new EventFileException(path, ["file not found"]);
        if (IsYaml(path))
        {
            var root = ReadYaml(path) as YamlMappingNode
                ?? throw new EventFileException(path, ["line 1: the event must be a mapping of fields (name:, language:, script: ...)"]);
            var problems = new List<string>();
            var ev = FromMapping(root, path, System.IO.Path.GetFileNameWithoutExtension(path), language, problems);
            if (problems.Count > 0) throw new EventFileException(path, problems);
            return ev!;
        }

        var extension = System.IO.Path.GetExtension(path).ToLowerInvariant();
        var detected = language ?? Languages.FromExtension(path)
            ?? throw new EventFileException(path, [$"cannot tell the language from '{extension}': use --lang {Languages.Names}, or an event .yaml"]);
        return new EventDefinition
        {
            Name = System.IO.Path.GetFileNameWithoutExtension(path),
            Language = detected,
            Script = File.ReadAllText(path),
            Source = System.IO.Path.GetFullPath(path),
        };
    }

    internal static bool IsYaml(string path) => System.IO.Path.GetExtension(path).ToLowerInvariant() is ".yaml" or ".yml";

    /// <summary>The first document's root, or a problem naming the line where the YAML broke.</summary>
    internal static YamlNode? ReadYaml(string path)
    {
        try
        {
            var stream = new YamlStream();
            using var reader = new StreamReader(path);
            stream.Load(reader);
            return stream.Documents.FirstOrDefault()?.RootNode;
        }
        catch (YamlException e)
        {
            throw new EventFileException(path, [$"line {e.Start.Line}: {e.Message}"]);
        }
    }

    /// <summary>
    /// An event from a YAML mapping: a whole event file, or an event written inline in another file (an action, a
    /// workflow node). Relative paths resolve against <paramref name="file"/>'s folder; problems are added, not thrown.
    /// </summary>
    internal static EventDefinition? FromMapping(YamlMappingNode root, string file, string defaultName, Language? languageOverride, List<string> problems)
    {
        var before = problems.Count;
        var fields = new Dictionary<string, YamlNode>();
        foreach (var (keyNode, value) in root.Children)
        {
            var key = ((YamlScalarNode)keyNode).Value ?? "";
            if (Backends.RemoteRuns.EventFields.Contains(key))
            {
                if (!Backends.RemoteRuns.IsLocal(key, (value as YamlScalarNode)?.Value)) problems.Add($"line {keyNode.Start.Line}: {key}: {Backends.RemoteRuns.NotSupported}");
            }
            else if (!Fields.Contains(key)) problems.Add($"line {keyNode.Start.Line}: unknown field '{key}' (known: {string.Join(", ", Fields)})");
            else fields[key] = value;
        }

        var name = Text(fields, "name", problems) ?? defaultName;
        var inline = Text(fields, "script", problems);
        var scriptPath = Text(fields, "scriptPath", problems);
        string? script = inline;
        string source = System.IO.Path.GetFullPath(file);
        if (inline is not null && scriptPath is not null)
            problems.Add($"line {fields["scriptPath"].Start.Line}: 'script' and 'scriptPath' are both set; keep one");
        else if (inline is null && scriptPath is null)
            problems.Add($"line {root.Start.Line}: one of 'script' (inline) or 'scriptPath' is required");
        else if (scriptPath is not null)
        {
            source = Resolve(file, scriptPath);
            if (File.Exists(source)) script = File.ReadAllText(source);
            else problems.Add($"line {fields["scriptPath"].Start.Line}: scriptPath '{scriptPath}' does not exist ({source})");
        }

        Language? language = languageOverride;
        if (language is null && Text(fields, "language", problems) is { } languageName)
        {
            language = Languages.FromName(languageName);
            if (language is null) problems.Add($"line {fields["language"].Start.Line}: language '{languageName}' is not {Languages.Names}");
        }
        language ??= scriptPath is null ? null : Languages.FromExtension(scriptPath);
        if (language is null && !fields.ContainsKey("language"))
            problems.Add($"line {root.Start.Line}: 'language' is required ({Languages.Names})");

        var timeout = fields.TryGetValue("timeout", out var t) ? Duration(t, "timeout", problems) : TimeSpan.FromMinutes(5);
        var resources = fields.TryGetValue("resources", out var r) ? Resources(r, problems) : ResourceLimits.Default;
        var network = fields.TryGetValue("network", out var n) && Boolean(n, "network", problems);
        var environment = fields.TryGetValue("environment", out var env) ? Environment(env, problems) : new Dictionary<string, string>();
        var input = fields.TryGetValue("input", out var i) ? ToJson(i) : null;
        var actions = fields.TryGetValue("actions", out var a) ? Actions(a, file, problems) : [];

        if (problems.Count > before) return null;
        return new EventDefinition
        {
            Name = name,
            Language = language!.Value,
            Script = script!,
            Source = source,
            Input = input,
            Timeout = timeout,
            Environment = environment,
            Resources = resources,
            Network = network,
            Actions = actions,
        };
    }

    /// <summary>A path written in <paramref name="file"/>, relative to that file's folder.</summary>
    internal static string Resolve(string file, string relative) =>
        System.IO.Path.GetFullPath(System.IO.Path.Combine(System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(file))!, relative));
}
