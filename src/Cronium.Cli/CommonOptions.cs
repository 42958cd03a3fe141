using System.CommandLine;

namespace Cronium.Cli;

/// <summary>Options several commands share, named and checked the same way everywhere.</summary>
internal static class CommonOptions
{
    public static Option<string?> Runtime() => new("--runtime") { Description = "Use a running runtime (http://host:port or unix:///path.sock) instead of the embedded one." };

    public static Option<string?> Key() => new("--orchestrator-key")
    {
        Description = "The orchestrator key for --runtime, or @FILE to read it from a file. Prefer @FILE or CRONIUM_ORCHESTRATOR_KEY: a key on a command line is visible to other users in ps.",
    };

    public static Option<string> User() => new("--user") { Description = "The user (whose variables and credentials are used).", DefaultValueFactory = _ => "local" };

    public static Option<bool> Json() => new("--json") { Description = "Print the result as JSON on stdout." };

    public static Option<string> Backend() => new("--backend") { Description = "process (default) or docker.", DefaultValueFactory = _ => "process" };

    /// <summary>--runtime and its key, checked: a URL needs a key, from the option or CRONIUM_ORCHESTRATOR_KEY.</summary>
    public static RuntimeTarget Target(string? runtime, string? key)
    {
        key ??= Environment.GetEnvironmentVariable("CRONIUM_ORCHESTRATOR_KEY");
        if (key is not null && key.StartsWith('@'))
            key = File.Exists(key[1..]) ? File.ReadAllText(key[1..]).Trim() : throw new UsageException($"--orchestrator-key: file '{key[1..]}' not found");
        if (runtime is not null && !(runtime.StartsWith("http://", StringComparison.Ordinal) || runtime.StartsWith("https://", StringComparison.Ordinal) || runtime.StartsWith("unix:///", StringComparison.Ordinal)))
            throw new UsageException($"--runtime: '{runtime}' must be http://host:port or unix:///path.sock");
        if (runtime is not null && string.IsNullOrEmpty(key))
            throw new UsageException("--runtime needs --orchestrator-key (or CRONIUM_ORCHESTRATOR_KEY)");
        return new RuntimeTarget(runtime, key);
    }

    public static string CheckBackend(string backend, RuntimeTarget target)
    {
        if (backend == "ssh") throw new UsageException($"--backend ssh: {Cronium.Execution.Backends.RemoteRuns.NotSupported}");
        if (backend is not ("process" or "docker")) throw new UsageException($"--backend: '{backend}' is not process or docker");
        if (backend == "docker" && target.Url is not null && !target.Url.StartsWith("unix:///", StringComparison.Ordinal))
            throw new UsageException("--backend docker reaches the runtime through its Unix socket: give --runtime unix:///path.sock (or leave --runtime out)");
        return backend;
    }
}

internal sealed class UsageException(string message) : Exception(message);
