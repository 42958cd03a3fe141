using System.CommandLine;
using System.Text.Json;
using System.Text.Json.Nodes;
using Cronium.Execution;
using Cronium.Execution.Events;
using Cronium.Workflows.Chains;

namespace Cronium.Cli;

/// <summary>The parsed and checked arguments; anything wrong is a <see cref="UsageException"/> that names the argument.</summary>
internal sealed record RunRequest(ChainStep Chain, RunOptions Options, string Backend, RuntimeTarget Runtime)
{
    public EventDefinition Event => Chain.Event;

    public static RunRequest From(ParseResult parse)
    {
        Language? language = null;
        if (parse.GetValue(RunCommand.LangOption) is { } lang)
            language = Languages.FromName(lang) ?? throw new UsageException($"--lang: '{lang}' is not {Languages.Names}");
        var ev = EventLoader.Load(parse.GetValue(RunCommand.FileArgument)!, language);
        var maxDepth = parse.GetValue(RunCommand.MaxDepthOption);
        if (maxDepth is < 1 or > 100) throw new UsageException($"--max-chain-depth: {maxDepth} is not from 1 to 100");
        // The whole chain is loaded and checked before the first script runs.
        var chain = EventChain.Load(ev, maxDepth);

        var runtime = CommonOptions.Target(parse.GetValue(RunCommand.RuntimeOption), parse.GetValue(RunCommand.KeyOption));
        var backend = CommonOptions.CheckBackend(parse.GetValue(RunCommand.BackendOption)!, runtime);

        var variables = new Dictionary<string, JsonNode?>();
        foreach (var pair in parse.GetValue(RunCommand.VarsOption) ?? [])
        {
            var (k, v) = Split(pair, "--var", "key=value");
            variables[k] = JsonValue.Create(v);
        }
        foreach (var pair in parse.GetValue(RunCommand.JsonVarsOption) ?? [])
        {
            var (k, v) = Split(pair, "--var-json", "key=JSON");
            variables[k] = ParseJson(v, $"--var-json {k}");
        }

        var environment = new Dictionary<string, string>();
        foreach (var pair in parse.GetValue(RunCommand.EnvOption) ?? [])
        {
            var (k, v) = Split(pair, "--env", "NAME=value");
            if (k.StartsWith("CRONIUM_", StringComparison.Ordinal)) throw new UsageException($"--env: {k} is reserved (CRONIUM_*)");
            environment[k] = v;
        }

        TimeSpan? timeout = null;
        if (parse.GetValue(RunCommand.TimeoutOption) is { } t)
            timeout = EventLoader.ParseDuration(t) ?? throw new UsageException($"--timeout: '{t}' is not a duration from 1s to 24h (e.g. 30, 30s, 5m)");

        var input = parse.GetValue(RunCommand.InputOption);
        JsonNode? inputJson = null;
        if (input is not null)
        {
            var text = input.StartsWith('@') ? ReadInputFile(input[1..]) : input;
            inputJson = ParseJson(text, "--input");
        }

        return new RunRequest(chain, new RunOptions
        {
            Input = inputJson,
            HasInput = input is not null,
            Variables = variables,
            Environment = environment,
            Timeout = timeout,
            UserId = parse.GetValue(RunCommand.UserOption)!,
        }, backend, runtime);
    }

    private static (string Key, string Value) Split(string pair, string option, string shape)
    {
        var at = pair.IndexOf('=');
        if (at <= 0) throw new UsageException($"{option}: '{pair}' is not {shape}");
        return (pair[..at], pair[(at + 1)..]);
    }

    internal static JsonNode? ParseJson(string text, string what)
    {
        try
        {
            return JsonNode.Parse(text);
        }
        catch (JsonException e)
        {
            throw new UsageException($"{what}: not valid JSON ({e.Message})");
        }
    }

    internal static string ReadInputFile(string path) =>
        System.IO.File.Exists(path) ? System.IO.File.ReadAllText(path) : throw new UsageException($"--input: file '{path}' not found");
}
