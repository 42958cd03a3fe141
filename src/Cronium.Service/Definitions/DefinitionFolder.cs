namespace Cronium.Service.Definitions;

/// <summary>One definition file of a folder, with the folder's other files (what its runs may name).</summary>
public sealed record FolderEntry(string Kind, string FileName, string Yaml, IReadOnlyDictionary<string, string> Files);

/// <summary>
/// How a folder of definitions reads, for <c>Runtime:DefinitionsPath</c> and <c>cronium apply</c> alike: every
/// <c>*.yaml</c>/<c>*.yml</c> at its top is a definition (a workflow when it has <c>nodes:</c>), bundled with every
/// other file below the folder (hidden ones left out).
/// </summary>
public static class DefinitionFolder
{
    public static IReadOnlyList<FolderEntry> Read(string folder)
    {
        var files = Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(folder, f).Replace('\\', '/'))
            .Where(f => !f.Split('/').Any(p => p.StartsWith('.')))
            .ToDictionary(f => f, f => File.ReadAllText(Path.Combine(folder, f)), StringComparer.Ordinal);
        return files.Keys
            .Where(f => !f.Contains('/') && (f.EndsWith(".yaml", StringComparison.Ordinal) || f.EndsWith(".yml", StringComparison.Ordinal)))
            .Order(StringComparer.Ordinal)
            .Select(f => new FolderEntry(IsWorkflow(files[f]) ? DefinitionKinds.Workflow : DefinitionKinds.Event, f, files[f],
                files.Where(o => o.Key != f).ToDictionary(o => o.Key, o => o.Value, StringComparer.Ordinal)))
            .ToList();
    }

    private static bool IsWorkflow(string yaml) =>
        yaml.Split('\n').Any(line => line.StartsWith("nodes:", StringComparison.Ordinal));
}
