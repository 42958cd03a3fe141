using System.Net;
using System.Net.Http.Json;

namespace Cronium.Service.Tests;

/// <summary>Definitions over HTTP and from a folder: a bad one is refused with its problems and never replaces a good one.</summary>
public sealed class DefinitionTests
{
    private const string Good = "name: nightly\nlanguage: bash\nscript: echo good\nschedule: {cron: \"0 3 * * *\", timezone: Europe/Berlin}\n";

    public static TheoryData<string, string, string> BadDefinitions => new()
    {
        { "bad YAML", "name: nightly\nscript: [unclosed\n", "did not find expected" },
        { "a cycle of event files", "name: nightly\nscriptPath: a.sh\nactions:\n  ON_SUCCESS: [{event: b.yaml}]\n", "leads back to an event already in this chain" },
        { "an invalid cron", "name: nightly\nlanguage: bash\nscript: 'true'\nschedule: {cron: \"0 3 * *\"}\n", "'schedule.cron' \"0 3 * *\"" },
        { "an unknown time zone", "name: nightly\nlanguage: bash\nscript: 'true'\nschedule: {cron: \"0 3 * * *\", timezone: Mars/Base}\n", "'schedule.timezone'" },
        { "an unknown tool", "name: nightly\nlanguage: bash\nscript: 'true'\nactions:\n  ON_FAILURE: [{tool: pager, credential: x, params: {}}]\n", "unknown tool 'pager'" },
        { "recovery attempts out of range", "name: nightly\nlanguage: bash\nscript: 'true'\nrecovery: {attempts: 0}\n", "'recovery.attempts' must be a whole number from 1 to 10" },
        { "a missing script", "name: nightly\nscriptPath: nowhere.py\n", "nowhere.py" },
    };

    [Theory]
    [MemberData(nameof(BadDefinitions))]
    public async Task ABadDefinitionIsRefusedWithItsProblemAndTheOneInForceStays(string what, string yaml, string expected)
    {
        using var folder = new TempFolder();
        await using var serve = await ServeInstance.StartAsync(null);
        var saved = await serve.PutEventAsync("nightly", Good);
        var files = new Dictionary<string, string>
        {
            ["a.sh"] = "echo a",
            ["b.yaml"] = "name: b\nscriptPath: a.sh\nactions:\n  ON_SUCCESS: [{event: c.yaml}]\n",
            ["c.yaml"] = "name: c\nscriptPath: a.sh\nactions:\n  ON_SUCCESS: [{event: b.yaml}]\n",
        };

        var response = await serve.Http.PutAsJsonAsync("/v1/events/nightly", new { definition = yaml, files });
        var problem = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;

        Assert.True(response.StatusCode == HttpStatusCode.UnprocessableEntity, $"{what}: {(int)response.StatusCode} {problem.ToJsonString()}");
        Assert.Equal("definition_invalid", (string)problem["code"]!);
        Assert.Contains(problem["problems"]!.AsArray(), p => ((string)p!).Contains(expected, StringComparison.Ordinal));
        Assert.DoesNotContain("cronium-def-", problem.ToJsonString()); // the private folder it was checked in is not told
        var inForce = await serve.GetAsync("/v1/events/nightly");
        Assert.Equal((string)saved["hash"]!, (string)inForce["hash"]!);
        Assert.Equal(Good, (string)inForce["definition"]!);
        Assert.Equal("0 3 * * *", (string)inForce["schedule"]!["cron"]!);
        Assert.Equal("Europe/Berlin", (string)inForce["schedule"]!["timezone"]!);
    }

    [Fact]
    public async Task ADefinitionsFolderThatDoesNotExistStopsTheStartNamingTheSetting()
    {
        using var folder = new TempFolder();
        var missing = Path.Combine(folder.Path, "no-such-folder");

        var failed = await Assert.ThrowsAsync<InvalidOperationException>(() =>
            ServeInstance.StartAsync(null, settings: new Dictionary<string, string> { ["Runtime__DefinitionsPath"] = missing }));

        Assert.Contains($"Runtime:DefinitionsPath '{missing}' is not a folder", failed.Message);
    }

    [Fact]
    public async Task UploadingTheSameDefinitionAgainIsUnchangedAndAChangeIsChanged()
    {
        await using var serve = await ServeInstance.StartAsync(null);

        var first = await serve.PutEventAsync("nightly", Good);
        var again = await serve.PutEventAsync("nightly", Good);
        var changed = await serve.PutEventAsync("nightly", Good.Replace("echo good", "echo better"));
        var deleted = await serve.Http.DeleteAsync("/v1/events/nightly");
        var gone = await serve.Http.GetAsync("/v1/events/nightly");

        Assert.Equal(("added", "unchanged", "changed"), ((string)first["change"]!, (string)again["change"]!, (string)changed["change"]!));
        Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, gone.StatusCode);
        Assert.Equal("definition_not_found", (string)JsonNode.Parse(await gone.Content.ReadAsStringAsync())!["code"]!);
    }

    [Fact]
    public async Task AFolderOfDefinitionsIsLoadedAtStartAndAgainWhenAFileChangesAndABrokenFileKeepsTheOldOne()
    {
        using var folder = new TempFolder();
        File.WriteAllText(Path.Combine(folder.Path, "hello.sh"), "echo hello\n");
        File.WriteAllText(Path.Combine(folder.Path, "hello.yaml"), "name: hello\nscriptPath: hello.sh\n");
        File.WriteAllText(Path.Combine(folder.Path, "flow.yaml"), "name: flow\nnodes:\n  - {id: a, event: hello.yaml}\n");
        await using var serve = await ServeInstance.StartAsync(null, settings: new Dictionary<string, string> { ["Runtime__DefinitionsPath"] = folder.Path });

        await Eventually.UntilAsync(() => serve.Http.GetAsync("/v1/workflows/flow").Result.IsSuccessStatusCode, "the folder's workflow to load");
        var before = await serve.GetAsync("/v1/events/hello");
        File.WriteAllText(Path.Combine(folder.Path, "hello.yaml"), "name: hello\nscriptPath: hello.sh\nschedule: {cron: \"*/5 * * * *\"}\n");
        await Eventually.UntilAsync(() => serve.GetAsync("/v1/events/hello").Result["schedule"] is JsonObject, "the changed file to load");
        var changed = await serve.GetAsync("/v1/events/hello");
        File.WriteAllText(Path.Combine(folder.Path, "hello.yaml"), "name: hello\nscriptPath: gone.sh\n");
        await Eventually.UntilAsync(() => serve.Log.Contains("hello.yaml: not loaded", StringComparison.Ordinal), "the broken file to be reported");
        var kept = await serve.GetAsync("/v1/events/hello");
        File.Delete(Path.Combine(folder.Path, "flow.yaml"));
        await Eventually.UntilAsync(() => serve.Http.GetAsync("/v1/workflows/flow").Result.StatusCode == HttpStatusCode.NotFound, "the removed file's workflow to go");

        Assert.NotEqual((string)before["hash"]!, (string)changed["hash"]!);
        Assert.Equal((string)changed["hash"]!, (string)kept["hash"]!);
        Assert.Contains("gone.sh", serve.Log);
    }
}

/// <summary><c>cronium apply DIR --runtime URL</c>, run as a user runs it.</summary>
public sealed class ApplyTests
{
    [Fact]
    public async Task ApplyUploadsAFolderAndSaysWhatWasAddedChangedUnchangedAndRemovedAndABadFolderUploadsNothing()
    {
        using var folder = new TempFolder();
        File.WriteAllText(Path.Combine(folder.Path, "hello.sh"), "echo hello\n");
        File.WriteAllText(Path.Combine(folder.Path, "hello.yaml"), "name: hello\nscriptPath: hello.sh\n");
        File.WriteAllText(Path.Combine(folder.Path, "flow.yaml"), "name: flow\nnodes:\n  - {id: a, event: hello.yaml}\n");
        await using var serve = await ServeInstance.StartAsync(null);
        await serve.PutEventAsync("old", "name: old\nlanguage: bash\nscript: 'true'\n");

        var first = await Apply(serve, folder.Path);
        var second = await Apply(serve, folder.Path);
        File.WriteAllText(Path.Combine(folder.Path, "hello.sh"), "echo hello again\n");
        var third = await Apply(serve, folder.Path);
        File.WriteAllText(Path.Combine(folder.Path, "broken.yaml"), "name: broken\nscriptPath: missing.sh\n");
        var refused = await Apply(serve, folder.Path);

        Assert.True(first.ExitCode == 0, first.Stderr);
        Assert.Equal(["added     workflow flow", "added     event hello", "removed   event old"], Lines(first.Stdout));
        Assert.Equal(["unchanged workflow flow", "unchanged event hello"], Lines(second.Stdout));
        Assert.Equal(["changed   workflow flow", "changed   event hello"], Lines(third.Stdout)); // the workflow bundles hello.sh too
        Assert.Equal(2, refused.ExitCode);
        Assert.Contains("broken.yaml", refused.Stderr);
        Assert.Contains("missing.sh", refused.Stderr);
        Assert.Empty(Lines(refused.Stdout));
        Assert.Equal(System.Net.HttpStatusCode.NotFound, (await serve.Http.GetAsync("/v1/events/broken")).StatusCode);
    }

    private static string[] Lines(string text) => text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    private static async Task<(int ExitCode, string Stdout, string Stderr)> Apply(ServeInstance serve, string folder)
    {
        var info = new System.Diagnostics.ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { Path.Combine(AppContext.BaseDirectory, "cronium.dll"), "apply", folder, "--runtime", serve.Api }) info.ArgumentList.Add(a);
        info.Environment["CRONIUM_ORCHESTRATOR_KEY"] = ServeInstance.OrchestratorKey;
        using var process = System.Diagnostics.Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (process.ExitCode, await stdout, await stderr);
    }
}
