using System.Text.RegularExpressions;
using Cronium.Runtime.Tests.Infrastructure;

namespace Cronium.Runtime.Tests;

/// <summary>
/// The three helpers against openapi.yaml: every script-facing operation has its function in bash, Python and
/// Node, and every API path a helper contains is in its operations table and is exactly the contract's.
/// </summary>
public sealed partial class HelperConformanceTests
{
    private static readonly string Root = FindRoot();

    /// <summary>operationId → the names scripts call, per language (helpers/SPEC.md).</summary>
    private static readonly Dictionary<string, (string Python, string Node, string Bash)> Functions = new()
    {
        ["getInput"] = ("input", "input", "cronium_input"),
        ["setOutput"] = ("output", "output", "cronium_output"),
        ["getVariable"] = ("getVariable", "getVariable", "cronium_get_variable"),
        ["setVariable"] = ("setVariable", "setVariable", "cronium_set_variable"),
        ["deleteVariable"] = ("deleteVariable", "deleteVariable", "cronium_delete_variable"),
        ["listVariables"] = ("listVariables", "listVariables", "cronium_list_variables"),
        ["getCondition"] = ("getCondition", "getCondition", "cronium_get_condition"),
        ["setCondition"] = ("setCondition", "setCondition", "cronium_set_condition"),
        ["getEvent"] = ("event", "event", "cronium_event"),
        ["runToolAction"] = ("toolAction", "toolAction", "cronium_tool_action"),
    };

    public static TheoryData<string> Helpers => new() { "bash", "python", "node" };

    [Fact]
    public void EveryScriptFacingOperationHasItsFunctionsListed()
    {
        var scriptFacing = ScriptFacingOperations().Select(o => o.Id).Order();

        Assert.Equal(scriptFacing, Functions.Keys.Order());
    }

    [Theory]
    [MemberData(nameof(Helpers))]
    public void HelperTableHasEveryScriptFacingOperationExactlyAsTheContractSaysAndNothingElse(string helper)
    {
        var table = Table(helper);
        var contract = ScriptFacingOperations().ToDictionary(o => o.Id, o => (o.Method, o.Path));

        foreach (var (id, route) in contract)
        {
            Assert.True(table.TryGetValue(id, out var helperRoute), $"{helper} helper has no entry for {id}");
            Assert.Equal(route, helperRoute);
        }
        Assert.Empty(table.Keys.Except(contract.Keys));
    }

    [Theory]
    [MemberData(nameof(Helpers))]
    public void EveryApiPathInAHelperIsInItsTable(string helper)
    {
        foreach (var (file, line) in SourceLines(helper).Where(l => l.Line.Contains("/v1/", StringComparison.Ordinal)))
            Assert.True(TableLine().IsMatch(line), $"{file}: an API path outside the operations table: {line.Trim()}");
    }

    [Theory]
    [MemberData(nameof(Helpers))]
    public void EveryOperationHasItsPublicFunction(string helper)
    {
        var source = string.Join("\n", SourceLines(helper).Select(l => l.Line));
        foreach (var (id, names) in Functions)
        {
            var pattern = helper switch
            {
                "python" => $@"^def {names.Python}\(",
                "node" => $@"\b{names.Node}\b\s*[,:(]",
                _ => $@"^{names.Bash}\(\)",
            };
            Assert.True(Regex.IsMatch(source, pattern, RegexOptions.Multiline), $"{helper} helper has no function for {id} ({pattern})");
        }
        var toolNames = helper switch
        {
            "python" => new[] { @"^def sendEmail\(", @"^def sendSlack\(", @"^def sendDiscord\(" },
            "node" => [@"\bsendEmail\b\s*[,:(]", @"\bsendSlack\b\s*[,:(]", @"\bsendDiscord\b\s*[,:(]"],
            _ => [@"^cronium_send_email\(\)", @"^cronium_send_slack\(\)", @"^cronium_send_discord\(\)"],
        };
        Assert.All(toolNames, p => Assert.Matches(new Regex(p, RegexOptions.Multiline), source));
    }

    private static IEnumerable<ContractOperation> ScriptFacingOperations() =>
        OpenApiContract.Instance.Operations.Where(o =>
            o.Node["security"]?.AsArray().Any(s => s!.AsObject().ContainsKey("executionToken")) == true);

    private static Dictionary<string, (string Method, string Path)> Table(string helper)
    {
        var table = new Dictionary<string, (string, string)>();
        foreach (var (_, line) in SourceLines(helper))
        {
            var match = TableLine().Match(line);
            if (match.Success) table[match.Groups["id"].Value] = (match.Groups["method"].Value, match.Groups["path"].Value);
        }
        return table;
    }

    private static IEnumerable<(string File, string Line)> SourceLines(string helper)
    {
        var files = helper switch
        {
            "bash" => [Path.Combine(Root, "helpers/bash/cronium.sh"), Path.Combine(Root, "helpers/bash/cronium-compat.sh")],
            "python" => Directory.GetFiles(Path.Combine(Root, "helpers/python/cronium"), "*.py"),
            _ => new[] { "index.js", "index.mjs", "preload.cjs", "compat.js", "errors.js" }.Select(f => Path.Combine(Root, "helpers/node", f)).Where(File.Exists).ToArray(),
        };
        return files.SelectMany(f => File.ReadLines(f).Select(l => (f, l)));
    }

    // One table entry per line in every helper: the operationId, then the method, then the path template.
    [GeneratedRegex(@"^\s*[""']?(?<id>[a-z][A-Za-z]+)[""']?\s*[:)].*?\b(?<method>GET|PUT|POST|DELETE)\W+(?<path>/v1/[A-Za-z0-9/{}_-]+)")]
    private static partial Regex TableLine();

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (Directory.Exists(Path.Combine(dir.FullName, "helpers")) && File.Exists(Path.Combine(dir.FullName, "openapi.yaml"))) return dir.FullName;
        throw new DirectoryNotFoundException("repository root not found");
    }
}
