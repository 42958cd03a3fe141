using System.Text.RegularExpressions;
using Cronium.Runtime.Tests.Infrastructure;

namespace Cronium.Runtime.Tests;

/// <summary>
/// docs/helpers.md against the contract and the helpers' sources, so the reference cannot drift: its operations table
/// lists exactly openapi.yaml's script operations with their method and path, every name in it exists in its helper,
/// and every public name of every helper is on the page.
/// </summary>
public sealed partial class DocsConformanceTests
{
    private static readonly string Root = FindRoot();
    private static readonly string Page = File.ReadAllText(Path.Combine(Root, "docs", "helpers.md"));

    public static TheoryData<string> Helpers => new() { "bash", "python", "node" };

    [Fact]
    public void TheOperationsTableListsExactlyTheScriptOperationsWithTheirMethodAndPath()
    {
        var contract = OpenApiContract.Instance.Operations
            .Where(o => o.Node["security"]?.AsArray().Any(s => s!.AsObject().ContainsKey("executionToken")) == true)
            .ToDictionary(o => o.Id, o => $"{o.Method} {o.Path}");
        var documented = Rows().Where(r => r.OperationId is not null).ToDictionary(r => r.OperationId!, r => r.Http);

        Assert.Equal(contract.OrderBy(kv => kv.Key), documented.OrderBy(kv => kv.Key));
    }

    [Theory]
    [MemberData(nameof(Helpers))]
    public void EveryNameInTheTableExistsInItsHelper(string helper)
    {
        var names = PublicNames(helper);
        var listed = Rows().SelectMany(r => r.Names[helper]).ToList();

        Assert.NotEmpty(listed);
        Assert.All(listed, name => Assert.True(names.Contains(name), $"docs/helpers.md lists {helper} '{name}', which the helper does not have"));
    }

    [Theory]
    [MemberData(nameof(Helpers))]
    public void EveryPublicNameOfAHelperIsOnThePage(string helper)
    {
        var names = PublicNames(helper);

        Assert.NotEmpty(names);
        Assert.All(names, name => Assert.True(Regex.IsMatch(Page, $@"\b{Regex.Escape(name)}\b"), $"{helper} '{name}' is not in docs/helpers.md"));
    }

    [Fact]
    public void EveryBashFunctionOfTheHelperIsInTheOperationsTable()
    {
        var listed = Rows().SelectMany(r => r.Names["bash"]).ToHashSet();

        Assert.All(PublicNames("bash"), name => Assert.Contains(name, listed));
    }

    private sealed record Row(string? OperationId, string Http, Dictionary<string, string[]> Names);

    /// <summary>The rows of the table under "## Operations": operationId | HTTP | bash | Python | Node.js.</summary>
    private static List<Row> Rows()
    {
        var section = Page[Page.IndexOf("\n## Operations\n", StringComparison.Ordinal)..];
        section = section[..section.IndexOf("\n## ", 1, StringComparison.Ordinal)];
        var rows = new List<Row>();
        foreach (var line in section.Split('\n').Where(l => l.StartsWith("| `", StringComparison.Ordinal) || l.StartsWith("| (", StringComparison.Ordinal)))
        {
            var cells = line.Trim('|').Split('|').Select(c => c.Trim()).ToArray();
            Assert.Equal(5, cells.Length);
            var id = cells[0].StartsWith('`') ? cells[0].Trim('`') : null;
            rows.Add(new Row(id, cells[1].Trim('`'), new Dictionary<string, string[]>
            {
                ["bash"] = Names(cells[2]),
                ["python"] = Names(cells[3]),
                ["node"] = Names(cells[4]),
            }));
        }
        Assert.NotEmpty(rows);
        return rows;
    }

    private static string[] Names(string cell) => [.. CodeName().Matches(cell).Select(m => m.Groups[1].Value)];

    /// <summary>What a script can call: bash's cronium_* functions, Python's __all__, Node's ES module exports.</summary>
    private static HashSet<string> PublicNames(string helper) => helper switch
    {
        "bash" => [.. new[] { "cronium.sh", "cronium-compat.sh" }
            .SelectMany(f => File.ReadLines(Path.Combine(Root, "helpers", "bash", f)))
            .Select(l => BashFunction().Match(l)).Where(m => m.Success).Select(m => m.Groups[1].Value)],
        "python" => [.. Quoted().Matches(Between(File.ReadAllText(Path.Combine(Root, "helpers", "python", "cronium", "__init__.py")), "__all__ = [", "]"))
            .Select(m => m.Groups[1].Value)],
        _ => NodeExports(),
    };

    private static HashSet<string> NodeExports()
    {
        var source = File.ReadAllText(Path.Combine(Root, "helpers", "node", "index.mjs"));
        var names = Between(source, "export const {", "}").Split(',').Select(n => n.Trim()).Where(n => n.Length > 0).ToHashSet();
        foreach (Match m in NodeRenamedExport().Matches(source)) names.Add(m.Groups[1].Value);
        return names;
    }

    private static string Between(string text, string start, string end)
    {
        var from = text.IndexOf(start, StringComparison.Ordinal) + start.Length;
        return text[from..text.IndexOf(end, from, StringComparison.Ordinal)];
    }

    [GeneratedRegex(@"`([A-Za-z_][A-Za-z0-9_]*)")]
    private static partial Regex CodeName();

    [GeneratedRegex(@"^(cronium_[A-Za-z_]+)\(\)")]
    private static partial Regex BashFunction();

    [GeneratedRegex("\"([A-Za-z_][A-Za-z0-9_]*)\"")]
    private static partial Regex Quoted();

    [GeneratedRegex(@"export \{ \w+ as (\w+) \}")]
    private static partial Regex NodeRenamedExport();

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (Directory.Exists(Path.Combine(dir.FullName, "docs")) && File.Exists(Path.Combine(dir.FullName, "openapi.yaml"))) return dir.FullName;
        throw new DirectoryNotFoundException("repository root (docs/, openapi.yaml) not found");
    }
}
