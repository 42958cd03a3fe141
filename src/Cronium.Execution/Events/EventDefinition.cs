namespace Cronium.Execution.Events;

public enum Language { Bash, Python, Node }

/// <summary>Limits a container gets; the process backend applies the timeout only.</summary>
public sealed record ResourceLimits(long MemoryBytes, double Cpus, int Pids)
{
    public static readonly ResourceLimits Default = new(256L * 1024 * 1024, 1.0, 128);
}

/// <summary>One event, from a script file or an event YAML: what to run and under which limits.</summary>
public sealed record EventDefinition
{
    public required string Name { get; init; }
    public required Language Language { get; init; }

    /// <summary>The script's text.</summary>
    public required string Script { get; init; }

    /// <summary>Where the script came from, for messages.</summary>
    public required string Source { get; init; }

    public JsonNode? Input { get; init; }
    public TimeSpan Timeout { get; init; } = TimeSpan.FromMinutes(5);
    public IReadOnlyDictionary<string, string> Environment { get; init; } = new Dictionary<string, string>();
    public ResourceLimits Resources { get; init; } = ResourceLimits.Default;
    public bool Network { get; init; }

    /// <summary>Conditional actions: what runs after this event, by how it ended.</summary>
    public IReadOnlyList<EventAction> Actions { get; init; } = [];

    public string EventType => Language switch
    {
        Language.Bash => "BASH",
        Language.Python => "PYTHON",
        _ => "NODEJS",
    };

    /// <summary>
    /// The file name the script runs as. A Node script runs as an ES module (top-level await works) unless it
    /// calls require() or is named .cjs; .mjs and .cjs keep their meaning.
    /// </summary>
    public string FileName => Language switch
    {
        Language.Bash => "script.sh",
        Language.Python => "script.py",
        _ when Source.EndsWith(".cjs", StringComparison.OrdinalIgnoreCase) => "script.cjs",
        _ when Source.EndsWith(".mjs", StringComparison.OrdinalIgnoreCase) => "script.mjs",
        _ => Script.Contains("require(", StringComparison.Ordinal) ? "script.cjs" : "script.mjs",
    };
}

internal static class Languages
{
    public static Language? FromName(string name) => name.ToLowerInvariant() switch
    {
        "bash" or "sh" or "shell" => Language.Bash,
        "python" or "python3" or "py" => Language.Python,
        "node" or "nodejs" or "javascript" or "js" => Language.Node,
        _ => null,
    };

    public static Language? FromExtension(string path) => Path.GetExtension(path).ToLowerInvariant() switch
    {
        ".sh" or ".bash" => Language.Bash,
        ".py" => Language.Python,
        ".js" or ".cjs" or ".mjs" => Language.Node,
        _ => null,
    };

    public const string Names = "bash, python or node";
}
