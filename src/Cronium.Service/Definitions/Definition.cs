using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Cronium.Service.Schedules;
using Cronium.Workflows.Chains;
using Cronium.Workflows.Definitions;
using YamlDotNet.RepresentationModel;

namespace Cronium.Service.Definitions;

public static class DefinitionKinds
{
    public const string Event = "event";
    public const string Workflow = "workflow";
}

/// <summary>
/// An event or a workflow as the service holds it: its YAML, the files it names (scripts, event files a workflow's
/// nodes use) by their paths relative to it, and its schedule. The same YAML as <c>cronium run</c> and
/// <c>cronium workflow run</c> read, checked by the same loaders.
/// </summary>
public sealed record Definition(string Kind, string Name, string FileName, string Yaml, IReadOnlyDictionary<string, string> Files, Schedule? Schedule)
{
    public const int MaxFiles = 200;
    public const int MaxBytes = 4 << 20;

    /// <summary>Same text, same files: an upload that changes nothing is "unchanged".</summary>
    public string Hash => Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(
        Yaml + "\0" + string.Join("\0", Files.OrderBy(f => f.Key, StringComparer.Ordinal).Select(f => f.Key + "\0" + f.Value))))).ToLowerInvariant()[..16];

    public string FilesJson => JsonSerializer.Serialize(Files);

    public static IReadOnlyDictionary<string, string> FilesFrom(string? json) =>
        string.IsNullOrEmpty(json) ? new Dictionary<string, string>() : JsonSerializer.Deserialize<Dictionary<string, string>>(json) ?? [];

    /// <summary>
    /// Checks a definition the way a run would load it, and names every problem: YAML, fields, missing files, cycles
    /// of event files, unknown tools, the schedule. <paramref name="name"/>, when given, must be the YAML's name (a
    /// YAML without one takes it); <paramref name="fileName"/> is what the YAML's own file is called.
    /// </summary>
    public static Definition Check(string kind, string? name, string fileName, string yaml, IReadOnlyDictionary<string, string> files)
    {
        var problems = new List<string>();
        if (!SafePath(fileName) || files.ContainsKey(fileName)) problems.Add($"'{fileName}' cannot be the definition's file name");
        foreach (var bad in files.Keys.Where(p => !SafePath(p))) problems.Add($"file '{bad}': a path relative to the definition, without '..'");
        if (files.Count > MaxFiles) problems.Add($"at most {MaxFiles} files (got {files.Count})");
        if (Encoding.UTF8.GetByteCount(yaml) + files.Sum(f => Encoding.UTF8.GetByteCount(f.Value)) > MaxBytes)
            problems.Add($"the definition and its files are at most {MaxBytes} bytes together");
        if (problems.Count > 0) throw new DefinitionException(problems);

        using var folder = Materialize(fileName, yaml, files, out var path);
        string loaded;
        try
        {
            loaded = kind == DefinitionKinds.Workflow
                ? WorkflowLoader.Load(path).Name
                : EventChain.Load(EventLoader.Load(path)).Event.Name;
        }
        catch (EventFileException e)
        {
            // Named as the upload names them: the private folder they were checked in is nobody's business.
            problems.AddRange(e.Problems.Select(p => (e.Path == path ? p : $"{Path.GetRelativePath(folder.Path, e.Path)}: {p}")
                .Replace(" (" + folder.Path + "/", " (").Replace(folder.Path + "/", "")));
            loaded = name ?? "";
        }
        var root = RootOf(yaml);
        var schedule = root is null ? null : Schedule.From(root, problems);
        if (root is not null) Recovery.From(root, problems);
        if (name is not null && problems.Count == 0 && loaded != name)
            problems.Add($"the path names '{name}' but the definition's name is '{loaded}'");
        if (problems.Count > 0) throw new DefinitionException(problems);
        return new Definition(kind, loaded, fileName, yaml, files, schedule);
    }

    /// <summary>The definition and its files written out privately (0700), as a run loads them; deleted on dispose.</summary>
    public static Workspace Materialize(string fileName, string yaml, IReadOnlyDictionary<string, string> files, out string path)
    {
        var workspace = new Workspace();
        foreach (var (relative, text) in files)
        {
            var target = Path.Combine(workspace.Path, relative);
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.WriteAllText(target, text);
        }
        path = Path.Combine(workspace.Path, fileName);
        File.WriteAllText(path, yaml);
        return workspace;
    }

    /// <summary>The schedule a stored (checked) definition's YAML holds.</summary>
    public static Schedule? ScheduleIn(string yaml) => RootOf(yaml) is { } root ? Schedule.From(root, []) : null;

    /// <summary>The runs in all a stored (checked) definition allows one fire when instances die under it.</summary>
    public static int RecoveryAttemptsIn(string yaml) => RootOf(yaml) is { } root ? Recovery.From(root, []) : 1;

    private static YamlMappingNode? RootOf(string yaml)
    {
        try
        {
            var stream = new YamlStream();
            stream.Load(new StringReader(yaml));
            return stream.Documents.FirstOrDefault()?.RootNode as YamlMappingNode;
        }
        catch (YamlDotNet.Core.YamlException)
        {
            return null; // the loader has reported it, with its line
        }
    }

    private static bool SafePath(string path) =>
        path.Length is > 0 and <= 512 && !Path.IsPathRooted(path) && !path.Split('/', '\\').Any(part => part is ".." or "." or "");
}

/// <summary>A definition refused, with every problem found.</summary>
public sealed class DefinitionException(IReadOnlyList<string> problems) : Exception(string.Join("; ", problems))
{
    public IReadOnlyList<string> Problems { get; } = problems;
}

/// <summary>A private temporary folder (0700), deleted with what it holds.</summary>
public sealed class Workspace : IDisposable
{
    private readonly DirectoryInfo folder = Directory.CreateTempSubdirectory("cronium-def-");

    public Workspace()
    {
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(folder.FullName, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
    }

    public string Path => folder.FullName;

    public void Dispose()
    {
        try
        {
            folder.Delete(recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
