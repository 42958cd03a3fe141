using System.Net.Sockets;
using System.Text.Json.Nodes;
using Cronium.Execution.Backends;
using Cronium.Execution.Events;
using Cronium.Execution.Runtime;

namespace Cronium.Execution.Tests;

public sealed class ProcessBackendTests(RuntimeFixture fixture) : IClassFixture<RuntimeFixture>
{
    private readonly ProcessBackend backend = new(HelperPaths.Locate());

    private ExecutionRunner Runner => new(fixture.Runtime.Client, fixture.Endpoint, backend);

    [Theory]
    [InlineData("hello-python.yaml")]
    [InlineData("hello-node.yaml")]
    [InlineData("hello-bash.yaml")]
    public async Task EachLanguagesExampleRunsEndToEndWithEveryHelper(string example)
    {
        var user = "user-" + Guid.NewGuid().ToString("N")[..8];
        var output = new CapturedOutput();

        var first = await Runner.RunAsync(EventLoader.Load(Path.Combine(Paths.Examples, example)), new RunOptions { UserId = user }, output, default);
        var second = await Runner.RunAsync(EventLoader.Load(Path.Combine(Paths.Examples, example)), new RunOptions { UserId = user }, new CapturedOutput(), default);

        Assert.True(first.Status == "succeeded", $"{first.Status} {first.Error}\nstdout: {output.Stdout}\nstderr: {output.Stderr}");
        Assert.Equal(0, first.ExitCode);
        Assert.Contains("Hello, Cronium!", output.Stdout);
        Assert.Contains("sendSlack skipped", output.Stderr);
        Assert.Equal("{\"greeting\":\"Hello, Cronium!\",\"runs\":1}", first.Output!.ToJsonString());
        Assert.True(first.Condition);
        Assert.Equal(2, (int)second.Output!["runs"]!);
        Assert.Equal(2, (int)(await fixture.Runtime.Client.GetUserVariableAsync(user, "hello.runs", default))!);
        Assert.Null(await fixture.Runtime.Client.GetUserVariableAsync(user, "hello.scratch", default));
    }

    [Theory]
    [InlineData(Language.Python, "import cronium\ncronium.output(cronium.input())")]
    [InlineData(Language.Node, "import cronium from 'cronium';\nawait cronium.output(await cronium.input());")]
    [InlineData(Language.Node, "const c = require('cronium');\nc.input().then((v) => c.output(v));")]
    [InlineData(Language.Bash, "source \"$CRONIUM_HELPERS/bash/cronium.sh\"\ncronium_output_json \"$(cronium_input)\"")]
    public async Task AnExplicitImportWorksToo(Language language, string script)
    {
        var result = await Runner.RunAsync(Paths.Inline(language, script), new RunOptions { Input = new JsonObject { ["x"] = 1 }, HasInput = true }, new CapturedOutput(), default);

        Assert.Equal("succeeded", result.Status);
        Assert.Equal("{\"x\":1}", result.Output!.ToJsonString());
    }

    [Fact]
    public async Task FailingScriptEndsFailedWithItsExitCode()
    {
        var output = new CapturedOutput();

        var result = await Runner.RunAsync(Paths.Inline(Language.Python, "import sys\ncronium.output('partial')\nprint('oops', file=sys.stderr)\nsys.exit(7)"), new RunOptions(), output, default);

        Assert.Equal(("failed", 7), (result.Status, result.ExitCode));
        Assert.Equal("\"partial\"", result.Output!.ToJsonString());
        Assert.Contains("oops", output.Stderr);
    }

    /// <summary>A child, a double-forked grandchild and a setsid daemon, each writing its pid to the file.</summary>
    private static string Escapees(string pidFile) =>
        $"sleep 300 &\necho $! >> {pidFile}\n"
        + $"( sleep 301 & echo $! >> {pidFile} ) &\n"
        + $"setsid bash -c 'echo $$ >> {pidFile}; exec sleep 302' &\n"
        + $"echo $$ >> {pidFile}\n"
        + $"while [ $(wc -l < {pidFile}) -lt 4 ]; do sleep 0.05; done\n";

    [Theory]
    [InlineData("exits")]
    [InlineData("times out")]
    public async Task NothingTheScriptStartedOutlivesIt(string ending)
    {
        // Before: only the process tree was killed, and only on a timeout; a setsid or double-forked child lived on.
        using var folder = new TempFolder();
        var pidFile = Path.Combine(folder.Path, "pids");
        var script = Escapees(pidFile) + (ending == "exits" ? "exit 0" : "sleep 60");

        var result = await Runner.RunAsync(Paths.Inline(Language.Bash, script, TimeSpan.FromSeconds(ending == "exits" ? 60 : 2)), new RunOptions(), new CapturedOutput(), default);

        Assert.Equal(ending == "exits" ? "succeeded" : "timed_out", result.Status);
        var pids = (await File.ReadAllLinesAsync(pidFile)).Select(int.Parse).ToList();
        Assert.Equal(4, pids.Count);
        Assert.All(pids, pid => Assert.False(Processes.IsAlive(pid), $"process {pid} is still running"));
    }

    [Fact]
    public async Task CancelledRunEndsCancelledAndLeavesNothingRunning()
    {
        using var folder = new TempFolder();
        var pidFile = Path.Combine(folder.Path, "pids");
        using var cancel = new CancellationTokenSource();

        var running = Runner.RunAsync(Paths.Inline(Language.Bash, Escapees(pidFile) + "sleep 60"), new RunOptions(), new CapturedOutput(), cancel.Token);
        await Eventually.UntilAsync(() => File.Exists(pidFile) && File.ReadAllLines(pidFile).Length == 4, "the script and its children to start");
        cancel.Cancel();
        var result = await running;

        Assert.Equal("cancelled", result.Status);
        Assert.All(File.ReadAllLines(pidFile).Select(int.Parse), pid => Assert.False(Processes.IsAlive(pid), $"process {pid} is still running"));
        var execution = await fixture.Runtime.Client.GetExecutionAsync(result.ExecutionId, default);
        Assert.Equal("cancelled", (string)execution["status"]!);
    }

    [Fact]
    public async Task TheTokenIsRefusedOnceTheRunIsOver()
    {
        using var folder = new TempFolder();
        var tokenFile = Path.Combine(folder.Path, "token");
        var result = await Runner.RunAsync(Paths.Inline(Language.Bash, $"printf %s \"$CRONIUM_EXECUTION_TOKEN\" > {tokenFile}\ncronium_input >/dev/null"), new RunOptions(), new CapturedOutput(), default);

        var status = await Paths.StatusWithTokenAsync(fixture.Runtime, result.ExecutionId, await File.ReadAllTextAsync(tokenFile));

        Assert.Equal("succeeded", result.Status);
        Assert.Equal(401, status);
    }

    [Fact]
    public async Task OutputStreamsLiveBeforeTheScriptEnds()
    {
        // The script cannot end before the test has seen its first line: it waits for a file the test writes then.
        var release = Path.Combine(Path.GetTempPath(), $"cronium-live-{Guid.NewGuid():N}");
        var output = new CapturedOutput();
        var run = Runner.RunAsync(Paths.Inline(Language.Python,
            $"import os, time\nprint('first', flush=True)\nfor _ in range(600):\n    if os.path.exists({Quote(release)}): break\n    time.sleep(0.05)\nprint('second')"),
            new RunOptions(), output, default);
        try
        {
            var seen = false;
            for (var i = 0; i < 600 && !seen && !run.IsCompleted; i++)
            {
                await Task.Delay(50);
                seen = output.Stdout.Contains("first");
            }
            var stillRunning = !run.IsCompleted;
            File.WriteAllText(release, "");
            var result = await run;

            Assert.True(seen && stillRunning, "the first line should arrive while the script is still waiting");
            Assert.Equal("succeeded", result.Status);
            Assert.Contains("second", output.Stdout);
        }
        finally
        {
            File.Delete(release);
        }
    }

    private static string Quote(string path) => "'" + path.Replace("'", "\\'") + "'";

    [Fact]
    public async Task SeededVariablesAndEnvironmentReachTheScript()
    {
        var user = "user-" + Guid.NewGuid().ToString("N")[..8];
        var options = new RunOptions
        {
            UserId = user,
            Variables = new Dictionary<string, JsonNode?> { ["plain"] = JsonValue.Create("text"), ["json"] = new JsonObject { ["n"] = 1 } },
            Environment = new Dictionary<string, string> { ["EXTRA"] = "from-env" },
        };

        var result = await Runner.RunAsync(Paths.Inline(Language.Python,
            "import os\ncronium.output([cronium.getVariable('plain'), cronium.getVariable('json'), os.environ['EXTRA']])"), options, new CapturedOutput(), default);

        Assert.Equal("[\"text\",{\"n\":1},\"from-env\"]", result.Output!.ToJsonString());
    }
}

/// <summary>What the runtime client does when the runtime stops answering.</summary>
public sealed class RuntimeClientTests
{
    [Fact]
    public async Task CompletionThatCannotReachTheRuntimeSaysSoAndThatTheTokenLivesOn()
    {
        // Before: ten quick tries, then the bare connection error; the README claimed the token was dead regardless.
        using var client = new RuntimeClient("unix:///nonexistent/cronium.sock", new string('k', 40)) { CompletionPatience = TimeSpan.FromSeconds(1) };

        var error = await Assert.ThrowsAsync<IOException>(() => client.CompleteExecutionAsync(Guid.NewGuid().ToString(), "succeeded", 0, null, default));

        Assert.Contains("could not be completed for 1 s", error.Message);
        Assert.Contains("its token stays valid until it expires", error.Message);
    }

    [Fact]
    public async Task ARuntimeThatTakesTheRequestButNeverAnswersIsReportedAsUnreachable()
    {
        // Before: HttpClient's timeout came out as a bare TaskCanceledException, which nothing caught: cronium run
        // exited 1 without a word after its script had succeeded.
        var folder = Directory.CreateTempSubdirectory("cronium-silent-");
        try
        {
            var path = Path.Combine(folder.FullName, "runtime.sock");
            using var listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            listener.Bind(new UnixDomainSocketEndPoint(path));
            listener.Listen();
            using var client = new RuntimeClient("unix://" + path, new string('k', 40)) { RequestTimeout = TimeSpan.FromSeconds(1) };

            var error = await Assert.ThrowsAsync<HttpRequestException>(() => client.GetExecutionAsync("e1", default));

            Assert.Equal("the runtime did not answer GET /v1/executions/e1 within 1 s", error.Message);
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }
}
