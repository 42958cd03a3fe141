using System.CommandLine;
using System.Text.Json;
using System.Text.Json.Nodes;
using Cronium.Execution;
using Cronium.Execution.Events;

namespace Cronium.Cli;

/// <summary>The parsed and checked arguments; anything wrong is a <see cref="UsageException"/> that names the argument.</summary>
internal sealed record RunRequest(EventDefinition Event, RunOptions Options, string Backend, string? RuntimeUrl, string? OrchestratorKey)
{
    public static RunRequest From(ParseResult parse)
    {
        Language? language = null;
        if (parse.GetValue(RunCommand.LangOption) is { } lang)
            language = Languages.FromName(lang) ?? throw new UsageException($"--lang: '{lang}' is not {Languages.Names}");
        var ev = EventLoader.Load(parse.GetValue(RunCommand.FileArgument)!, language);

        var backend = parse.GetValue(RunCommand.BackendOption)!;
        if (backend is not ("process" or "docker")) throw new UsageException($"--backend: '{backend}' is not process or docker");

        var runtime = parse.GetValue(RunCommand.RuntimeOption);
        var key = parse.GetValue(RunCommand.KeyOption) ?? Environment.GetEnvironmentVariable("CRONIUM_ORCHESTRATOR_KEY");
        if (runtime is not null && !(runtime.StartsWith("http://", StringComparison.Ordinal) || runtime.StartsWith("https://", StringComparison.Ordinal) || runtime.StartsWith("unix:///", StringComparison.Ordinal)))
            throw new UsageException($"--runtime: '{runtime}' must be http://host:port or unix:///path.sock");
        if (runtime is not null && string.IsNullOrEmpty(key))
            throw new UsageException("--runtime needs --orchestrator-key (or CRONIUM_ORCHESTRATOR_KEY)");
        if (backend == "docker" && runtime is not null && !runtime.StartsWith("unix:///", StringComparison.Ordinal))
            throw new UsageException("--backend docker reaches the runtime through its Unix socket: give --runtime unix:///path.sock (or leave --runtime out)");

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

        return new RunRequest(ev, new RunOptions
        {
            Input = inputJson,
            HasInput = input is not null,
            Variables = variables,
            Environment = environment,
            Timeout = timeout,
            UserId = parse.GetValue(RunCommand.UserOption)!,
        }, backend, runtime, key);
    }

    private static (string Key, string Value) Split(string pair, string option, string shape)
    {
        var at = pair.IndexOf('=');
        if (at <= 0) throw new UsageException($"{option}: '{pair}' is not {shape}");
        return (pair[..at], pair[(at + 1)..]);
    }

    private static JsonNode? ParseJson(string text, string what)
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

    private static string ReadInputFile(string path) =>
        System.IO.File.Exists(path) ? System.IO.File.ReadAllText(path) : throw new UsageException($"--input: file '{path}' not found");
}

internal sealed class UsageException(string message) : Exception(message);
