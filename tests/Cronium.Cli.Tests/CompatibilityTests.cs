using Microsoft.Data.Sqlite;

namespace Cronium.Cli.Tests;

/// <summary>Bash scripts in both of Cronium's styles (tests/compat/bash) run unchanged, locally and in the runner image.</summary>
public sealed class BashCompatibilityTests(CliHome home) : IClassFixture<CliHome>
{
    [Theory]
    [MemberData(nameof(CompatCase.Cases), "bash", MemberType = typeof(CompatCase))]
    public Task ScriptWrittenForCroniumRunsUnchanged(string script, string backend) => CompatCase.RunAsync(home, "bash", script, backend);
}

/// <summary>Python scripts in both of Cronium's styles (tests/compat/python) run unchanged, locally and in the runner image.</summary>
public sealed class PythonCompatibilityTests(CliHome home) : IClassFixture<CliHome>
{
    [Theory]
    [MemberData(nameof(CompatCase.Cases), "python", MemberType = typeof(CompatCase))]
    public Task ScriptWrittenForCroniumRunsUnchanged(string script, string backend) => CompatCase.RunAsync(home, "python", script, backend);
}

/// <summary>Node scripts (global, require, import, the default class; tests/compat/node) run unchanged, locally and in the runner image.</summary>
public sealed class NodeCompatibilityTests(CliHome home) : IClassFixture<CliHome>
{
    [Theory]
    [MemberData(nameof(CompatCase.Cases), "node", MemberType = typeof(CompatCase))]
    public Task ScriptWrittenForCroniumRunsUnchanged(string script, string backend) => CompatCase.RunAsync(home, "node", script, backend);
}

/// <summary>
/// One script of tests/compat (see its README) through <c>cronium run --json</c> as a new user: the result, the
/// variables it left (read from the embedded store itself, not through a helper), what a local webhook received and
/// what the script printed must be what NAME.expect.json says.
/// </summary>
public static class CompatCase
{
    private static readonly string[] Backends = ["process", "docker"];

    public static TheoryData<string, string> Cases(string language)
    {
        var data = new TheoryData<string, string>();
        foreach (var script in Directory.GetFiles(Folder(language)).Where(f => !f.EndsWith(".json", StringComparison.Ordinal)).Order())
            foreach (var backend in Backends)
                data.Add(Path.GetFileName(script), backend);
        return data;
    }

    public static async Task RunAsync(CliHome home, string language, string script, string backend)
    {
        var name = Path.GetFileNameWithoutExtension(script);
        var expect = JsonNode.Parse(await File.ReadAllTextAsync(Path.Combine(Folder(language), name + ".expect.json")))!.AsObject();
        var user = $"compat-{language}-{name}-{backend}-{Guid.NewGuid():N}";
        using var webhook = new LocalWebhook();
        foreach (var (credential, tool) in expect["credentials"]?.AsObject() ?? [])
        {
            // A credential named dead* points where the stand-in answers 500: a provider that fails.
            var url = webhook.Url(credential.StartsWith("dead", StringComparison.Ordinal) ? $"/fail/{user}/{credential}" : $"/{user}/{credential}");
            var stored = await home.Cli.RunAsync(new Dictionary<string, string>(), $"{{\"url\":\"{url}\"}}",
                "credentials", "set", credential, "--tool", (string)tool!, "--secret", "-", "--user", user);
            Assert.True(stored.ExitCode == 0, stored.Stderr);
        }

        var args = new List<string> { "run", Path.Combine(Folder(language), script), "--json", "--backend", backend, "--user", user };
        if (expect["input"] is { } input) args.AddRange(["--input", input.ToJsonString()]);
        foreach (var (key, value) in expect["vars"]?.AsObject() ?? [])
            args.AddRange(["--var-json", $"{key}={value!.ToJsonString()}"]);
        var run = await home.Cli.RunAsync([.. args]);

        // Both streams on failure: with --json the result (status, error, timings) is on stdout; and what the run
        // left in the runtime (its record and its logs), for a failure whose streams say too little.
        if (run.ExitCode != 0)
        {
            var record = await home.Cli.RunAsync("runs", "list", "--json", "--limit", "5");
            Assert.Fail($"{script} on {backend} exited {run.ExitCode}:\n{run.Stderr}\nstdout: {run.Stdout}\nlatest runs: {record.Stdout}{record.Stderr}");
        }
        var result = JsonNode.Parse(run.Stdout)!;
        Assert.Equal("succeeded", (string)result["status"]!);
        AssertJson(expect["output"], result["output"], $"{script} on {backend}: output");
        AssertJson(expect["condition"], result["condition"], $"{script} on {backend}: condition");
        // With --json the script's own output goes to stderr; each line expected there, in order.
        var at = 0;
        foreach (var line in expect["stdout"]?.AsArray().Select(l => (string)l!) ?? [])
        {
            var found = run.Stderr.IndexOf(line + "\n", at, StringComparison.Ordinal);
            Assert.True(found >= 0, $"{script} on {backend}: '{line}' not printed (after position {at}) in:\n{run.Stderr}");
            at = found + line.Length;
        }
        foreach (var (key, value) in expect["variables"]?.AsObject() ?? [])
            AssertJson(value, StoredVariable(home, user, key), $"{script} on {backend}: variable {key}");
        var received = webhook.Received.Where(r => r.Path.Contains($"/{user}/", StringComparison.Ordinal)).Select(r => JsonNode.Parse(r.Body)).ToArray();
        AssertJson(expect["received"] ?? new JsonArray(), new JsonArray(received), $"{script} on {backend}: what the provider received");
    }

    private static string Folder(string language) => Path.Combine(Paths.Repository, "tests", "compat", language);

    private static void AssertJson(JsonNode? expected, JsonNode? actual, string what) =>
        Assert.True(JsonNode.DeepEquals(expected, actual), $"{what}: expected {expected?.ToJsonString() ?? "null"}, got {actual?.ToJsonString() ?? "null"}");

    /// <summary>The stored value, or null when the variable does not exist (deleted included).</summary>
    private static JsonNode? StoredVariable(CliHome home, string user, string key)
    {
        using var connection = new SqliteConnection($"Data Source={Path.Combine(home.DataFolder, "runtime.db")};Mode=ReadOnly;Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT value FROM variables WHERE user_id = $user AND key = $key AND deleted = 0";
        command.Parameters.AddWithValue("$user", user);
        command.Parameters.AddWithValue("$key", key);
        // A stored JSON null is told apart from no variable at all by coming back as the text "null".
        return command.ExecuteScalar() is string json ? JsonNode.Parse(json) ?? JsonValue.Create("null") : null;
    }
}
