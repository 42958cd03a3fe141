using System.Diagnostics;
using System.Globalization;

namespace Cronium.Cli.Tests;

/// <summary>The real cronium command, as a user runs it.</summary>
public sealed class CliTests(CliHome home) : IClassFixture<CliHome>
{
    private CliRunner Cli => home.Cli;

    [Fact]
    public async Task JsonResultParsesAndTheExitCodeIsTheScripts()
    {
        var run = await Cli.RunAsync("run", Path.Combine(Paths.Examples, "inline.yaml"), "--json");

        Assert.Equal(0, run.ExitCode);
        var result = JsonNode.Parse(run.Stdout)!;
        Assert.Equal(("succeeded", 0), ((string)result["status"]!, (int)result["exitCode"]!));
        Assert.Equal("{\"sum\":15}", result["output"]!.ToJsonString());
        Assert.True((bool)result["condition"]!);
        Assert.Contains("sum: 15", run.Stderr);
        Assert.True(Guid.TryParse((string)result["executionId"]!, out _));
    }

    [Fact]
    public async Task HumanOutputShowsTheLiveLogOutputAndCondition()
    {
        var run = await Cli.RunAsync("run", Path.Combine(Paths.Examples, "hello-python.yaml"), "--user", "cli-" + Guid.NewGuid().ToString("N")[..6]);

        Assert.Equal(0, run.ExitCode);
        Assert.Contains("Hello, Cronium!", run.Stdout);
        Assert.Contains("succeeded", run.Stderr);
        Assert.Contains("output:    {\"greeting\":\"Hello, Cronium!\",\"runs\":1}", run.Stderr);
        Assert.Contains("condition: true", run.Stderr);
    }

    [Fact]
    public async Task ScriptExitCodeAndTimeoutCodeAreDistinct()
    {
        using var folder = new TempFolder();
        var dir = folder.Info;
        await File.WriteAllTextAsync(Path.Combine(dir.FullName, "fail.sh"), "exit 9");
        await File.WriteAllTextAsync(Path.Combine(dir.FullName, "slow.py"), "import time\ntime.sleep(30)");

        var failed = await Cli.RunAsync("run", Path.Combine(dir.FullName, "fail.sh"), "--json");
        var slow = await Cli.RunAsync("run", Path.Combine(dir.FullName, "slow.py"), "--timeout", "1s", "--json");

        Assert.Equal(9, failed.ExitCode);
        Assert.Equal("failed", (string)JsonNode.Parse(failed.Stdout)!["status"]!);
        Assert.Equal(124, slow.ExitCode);
        Assert.Equal("timed_out", (string)JsonNode.Parse(slow.Stdout)!["status"]!);
    }

    [Theory]
    [InlineData(new[] { "run", "missing.py" }, "file not found")]
    [InlineData(new[] { "run", "@examples", "--backend", "ftp" }, "--backend: 'ftp' is not process or docker")]
    [InlineData(new[] { "run", "@examples", "--input", "{nope" }, "--input: not valid JSON")]
    [InlineData(new[] { "run", "@examples", "--var", "novalue" }, "--var: 'novalue' is not key=value")]
    [InlineData(new[] { "run", "@examples", "--timeout", "soon" }, "--timeout: 'soon' is not a duration")]
    [InlineData(new[] { "run", "@examples", "--runtime", "http://127.0.0.1:1" }, "--runtime needs --orchestrator-key")]
    [InlineData(new[] { "run", "@examples", "--runtime", "http://127.0.0.1:1", "--orchestrator-key", "@/nonexistent/key" }, "--orchestrator-key: file '/nonexistent/key' not found")]
    [InlineData(new[] { "run", "@examples", "--env", "CRONIUM_EXECUTION_TOKEN=x" }, "--env: CRONIUM_EXECUTION_TOKEN is reserved")]
    [InlineData(new[] { "run", "@examples", "--lang", "cobol" }, "--lang: 'cobol' is not bash, python or node")]
    public async Task ArgumentErrorsAreClearAndExitTwo(string[] args, string message)
    {
        var run = await Cli.RunAsync(args.Select(a => a == "@examples" ? Path.Combine(Paths.Examples, "inline.yaml") : a).ToArray());

        Assert.Equal(2, run.ExitCode);
        Assert.Contains(message, run.Stderr);
    }

    [Fact]
    public async Task InputFromAFileIsReadWhole()
    {
        // Before: the command-line parser took @file for a response file and split it into arguments.
        using var folder = new TempFolder();
        var input = folder.Write("in.json", "{\"numbers\": [ 10, 20 ],\n \"note\": \"two words\"}");

        var run = await Cli.RunAsync("run", Path.Combine(Paths.Examples, "inline.yaml"), "--input", "@" + input, "--json");

        Assert.True(run.ExitCode == 0, run.Stderr);
        Assert.Equal("{\"sum\":30}", JsonNode.Parse(run.Stdout)!["output"]!.ToJsonString());
    }

    [Fact]
    public async Task SshIsRefusedBeforeAnythingRunsSayingWhyAndWhatToDo()
    {
        using var folder = new TempFolder();
        var marker = Path.Combine(folder.Path, "ran");
        var script = folder.Write("job.sh", $"touch {marker}");
        var remote = folder.Write("remote.yaml", "name: nightly\nscriptPath: job.sh\nrunLocation: ssh\n");
        var server = folder.Write("server.yaml", "name: nightly\nscriptPath: job.sh\nserver: db-1\n");
        var local = folder.Write("local.yaml", "name: nightly\nscriptPath: job.sh\nrunLocation: LOCAL\n");

        var backend = await Cli.RunAsync("run", script, "--backend", "ssh");
        var byField = await Cli.RunAsync("run", remote);
        var byServer = await Cli.RunAsync("run", server);
        Assert.False(File.Exists(marker));
        var here = await Cli.RunAsync("run", local);

        foreach (var refused in new[] { backend, byField, byServer })
        {
            Assert.Equal(2, refused.ExitCode);
            Assert.Contains("running over SSH is not supported: the runtime helpers", refused.Stderr);
            Assert.Contains("Run the event here (--backend process, or --backend docker", refused.Stderr);
        }
        Assert.Contains("--backend ssh:", backend.Stderr);
        Assert.Contains("line 3: runLocation:", byField.Stderr);
        Assert.Contains("line 3: server:", byServer.Stderr);
        Assert.Equal(0, here.ExitCode);
        Assert.True(File.Exists(marker));
    }

    [Fact]
    public async Task AFirstRunOnAFreshHomeShowsNoWarningAndWritesNothingThere()
    {
        using var home = new TempFolder();
        var env = new Dictionary<string, string> { ["HOME"] = home.Path, ["XDG_DATA_HOME"] = Path.Combine(home.Path, "data"), ["DOTNET_CLI_HOME"] = home.Path };

        var run = await Cli.RunAsync(env, null, "run", Path.Combine(Paths.Examples, "hello-bash.yaml"), "--user", "fresh");

        Assert.Equal(0, run.ExitCode);
        Assert.DoesNotContain("warn:", run.Stderr);
        Assert.DoesNotContain("DataProtection", run.Stderr + run.Stdout);
        Assert.Equal(["data"], home.Info.EnumerateFileSystemInfos().Select(f => f.Name));
    }

    [Fact]
    public async Task TimingsNameEachPhaseInOrderWithTheJitsWorkOnlyWhenAskedFor()
    {
        var script = Path.Combine(Paths.Examples, "hello-bash.yaml");
        var timed = await Cli.RunAsync(new Dictionary<string, string> { ["CRONIUM_TIMINGS"] = "1" }, null, "run", script, "--user", "timings");
        var plain = await Cli.RunAsync("run", script, "--user", "timings");

        Assert.Equal((0, 0), (timed.ExitCode, plain.ExitCode));
        Assert.DoesNotContain("cronium-timing", plain.Stderr);
        // cronium-timing PHASE MS_SINCE_START MS_SINCE_PREVIOUS JIT_METHODS JIT_MS, as bench/run-overhead.sh reads them.
        var marks = timed.Stderr.Split('\n').Where(l => l.StartsWith("cronium-timing ", StringComparison.Ordinal))
            .Select(l => l.Split(' ')).ToList();
        Assert.All(marks, m => Assert.Equal(6, m.Length));
        var phases = marks.Select(m => m[1]).ToList();
        string[] expected = ["main", "event-loaded", "runtime-built", "runtime-started", "run-created", "execution-created", "script-started", "execution-completed", "run-completed", "runtime-stopped"];
        Assert.Equal(expected, phases.Where(expected.Contains));
        var since = marks.Select(m => double.Parse(m[2], CultureInfo.InvariantCulture)).ToList();
        Assert.Equal(since.Order(), since);
        var methods = marks.Select(m => long.Parse(m[4], CultureInfo.InvariantCulture)).ToList();
        Assert.All(methods, n => Assert.True(n >= 0));
        // The first request compiles methods in any build: generic instantiations no precompiled image holds.
        Assert.True(methods[phases.IndexOf("run-created")] > 0);
    }

    [Fact]
    public async Task UnknownOptionIsAParseError()
    {
        var run = await Cli.RunAsync("run", Path.Combine(Paths.Examples, "inline.yaml"), "--frobnicate");

        Assert.NotEqual(0, run.ExitCode);
        Assert.Contains("--frobnicate", run.Stderr + run.Stdout);
    }

    [Fact]
    public async Task UnreachableRuntimeIsARuntimeError()
    {
        var run = await Cli.RunAsync("run", Path.Combine(Paths.Examples, "inline.yaml"), "--runtime", "unix:///nonexistent/runtime.sock", "--orchestrator-key", new string('k', 40));

        Assert.Equal(125, run.ExitCode);
        Assert.Contains("cronium run failed", run.Stderr);
    }

    [Fact]
    public async Task CtrlCCancelsCleanlyAndLeavesNothingRunning()
    {
        using var folder = new TempFolder();
        var dir = folder.Info;
        var pidFile = Path.Combine(dir.FullName, "pid");
        await File.WriteAllTextAsync(Path.Combine(dir.FullName, "wait.sh"), $"echo $$ > {pidFile}\necho started\nsleep 60");

        var process = Cli.Start("run", Path.Combine(dir.FullName, "wait.sh"), "--json");
        await Eventually.UntilAsync(() => File.Exists(pidFile), "the script to start");
        await Task.Delay(200);
        using (var kill = Process.Start("kill", $"-INT {process.Id}")) await kill.WaitForExitAsync();
        var stdout = await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync();

        Assert.Equal(130, process.ExitCode);
        Assert.Equal("cancelled", (string)JsonNode.Parse(stdout)!["status"]!);
        Assert.False(Processes.IsAlive(int.Parse((await File.ReadAllTextAsync(pidFile)).Trim())));
    }
}
