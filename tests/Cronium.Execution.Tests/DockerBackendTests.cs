using System.Text.Json.Nodes;
using Cronium.Execution.Backends;
using Cronium.Execution.Events;
using Cronium.Execution.Runtime;
using Docker.DotNet;
using Docker.DotNet.Models;

namespace Cronium.Execution.Tests;

/// <summary>
/// Real containers from the runner images (scripts/test.sh starts dockerd with no bridge and builds them on a
/// local Debian base). Hardening is proven from inside the container, and cleanup from the daemon's own list.
/// </summary>
public sealed class DockerBackendTests(RuntimeFixture fixture) : IClassFixture<RuntimeFixture>, IDisposable
{
    private readonly DockerBackend backend = new();
    private readonly DockerClient docker = new DockerClientConfiguration(new Uri(new DockerOptions().Endpoint)).CreateClient();

    private ExecutionRunner Runner => new(fixture.Runtime.Client, fixture.Endpoint, backend);

    [Theory]
    [InlineData("hello-python.yaml")]
    [InlineData("hello-node.yaml")]
    [InlineData("hello-bash.yaml")]
    public async Task EachLanguageRunsInAContainerUsingEveryHelperOverTheMountedSocket(string example)
    {
        var user = "docker-" + Guid.NewGuid().ToString("N")[..8];
        var output = new CapturedOutput();

        var result = await Runner.RunAsync(EventLoader.Load(Path.Combine(Paths.Examples, example)), new RunOptions { UserId = user }, output, default);

        Assert.True(result.Status == "succeeded", $"{result.Status} {result.Error}\nstdout: {output.Stdout}\nstderr: {output.Stderr}");
        Assert.Contains("Hello, Cronium!", output.Stdout);
        Assert.Contains($"user {user}", output.Stdout);
        Assert.Equal("{\"greeting\":\"Hello, Cronium!\",\"runs\":1}", result.Output!.ToJsonString());
        Assert.True(result.Condition);
        Assert.Equal(1, (int)(await fixture.Runtime.Client.GetUserVariableAsync(user, "hello.runs", default))!);
        await AssertNoContainerAsync(result.ExecutionId);
    }

    [Fact]
    public async Task ContainerIsHardenedAsSeenFromInside()
    {
        const string script = """
            echo "uid=$(id -u)"
            touch /written 2>/dev/null && echo "root=writable" || echo "root=readonly"
            touch /tmp/scratch && echo "tmp=writable"
            touch /work/out && echo "work=writable"
            echo "interfaces=$(tail -n +3 /proc/net/dev | cut -d: -f1 | tr -d ' ' | tr '\n' ',')"
            echo "capeff=$(grep CapEff /proc/self/status | cut -f2)"
            echo "nonewprivs=$(grep NoNewPrivs /proc/self/status | cut -f2)"
            echo "pid1=$(tr '\0' ' ' < /proc/1/cmdline)"
            """;
        var output = new CapturedOutput();

        var result = await Runner.RunAsync(Paths.Inline(Language.Bash, script), new RunOptions(), output, default);

        Assert.Equal("succeeded", result.Status);
        var seen = output.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.Split('=', 2)).ToDictionary(p => p[0], p => p[1]);
        Assert.Equal("10001", seen["uid"]);
        Assert.Equal("readonly", seen["root"]);
        Assert.Equal(("writable", "writable"), (seen["tmp"], seen["work"]));
        Assert.Equal("lo,", seen["interfaces"]);
        Assert.Equal("0000000000000000", seen["capeff"]);
        Assert.Equal("1", seen["nonewprivs"]);
        Assert.Contains("tini", seen["pid1"]);
    }

    [Fact]
    public async Task ForkBombIsStoppedByThePidsLimit()
    {
        const string script = """
            import os, time
            children = 0
            try:
                while children < 1000:
                    if os.fork() == 0:
                        time.sleep(30)
                        os._exit(0)
                    children += 1
            except OSError as error:
                print(f"stopped after {children} forks: {error.strerror}")
            cronium.output(children)
            """;
        var output = new CapturedOutput();

        var result = await Runner.RunAsync(Paths.Inline(Language.Python, script, TimeSpan.FromSeconds(20), ResourceLimits.Default with { Pids = 32 }), new RunOptions(), output, default);

        Assert.Contains("stopped after", output.Stdout);
        Assert.InRange((int)result.Output!, 1, 31);
        await AssertNoContainerAsync(result.ExecutionId);
    }

    [Fact]
    public async Task ClassicForkBombEndsAtItsTimeoutAndIsRemoved()
    {
        var result = await Runner.RunAsync(Paths.Inline(Language.Bash, "bomb() { bomb | bomb & }; bomb; sleep 30", TimeSpan.FromSeconds(3), ResourceLimits.Default with { Pids = 64 }),
            new RunOptions(), new CapturedOutput(), default);

        Assert.Contains(result.Status, new[] { "timed_out", "failed" });
        await AssertNoContainerAsync(result.ExecutionId);
    }

    [Fact]
    public async Task MemoryOverTheLimitEndsTheJob()
    {
        const string script = "blocks = []\nwhile True:\n    blocks.append(bytearray(16 * 1024 * 1024))\n";

        var result = await Runner.RunAsync(Paths.Inline(Language.Python, script, TimeSpan.FromSeconds(30), ResourceLimits.Default with { MemoryBytes = 64L * 1024 * 1024 }),
            new RunOptions(), new CapturedOutput(), default);

        Assert.Equal("failed", result.Status);
        Assert.Equal(137, result.ExitCode);
        Assert.Contains("memory limit", result.Error);
        await AssertNoContainerAsync(result.ExecutionId);
    }

    [Fact]
    public async Task FailureTimeoutAndCancelAllRemoveTheContainer()
    {
        var failed = await Runner.RunAsync(Paths.Inline(Language.Bash, "echo bye; exit 4"), new RunOptions(), new CapturedOutput(), default);
        var timedOut = await Runner.RunAsync(Paths.Inline(Language.Bash, "sleep 60", TimeSpan.FromSeconds(1)), new RunOptions(), new CapturedOutput(), default);
        using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(2));
        var cancelled = await Runner.RunAsync(Paths.Inline(Language.Node, "await new Promise((r) => setTimeout(r, 60000));"), new RunOptions(), new CapturedOutput(), cancel.Token);

        Assert.Equal(("failed", 4), (failed.Status, failed.ExitCode));
        Assert.Equal("timed_out", timedOut.Status);
        Assert.Equal("cancelled", cancelled.Status);
        foreach (var r in new[] { failed, timedOut, cancelled }) await AssertNoContainerAsync(r.ExecutionId);
        Assert.Equal("cancelled", (string)(await fixture.Runtime.Client.GetExecutionAsync(cancelled.ExecutionId, default))["status"]!);
    }

    [Fact]
    public async Task StdoutAndStderrArriveWholeAndApartThroughTheDaemonsFrames()
    {
        // Far more than one 8 KB read and one daemon frame, with characters of two bytes that a frame may split.
        const string script = "for i in $(seq 1 20000); do echo \"line $i é\"; done; echo 'to stderr ü' >&2; exit 3";
        var output = new CapturedOutput();

        var result = await Runner.RunAsync(Paths.Inline(Language.Bash, script), new RunOptions(), output, default);

        Assert.Equal(("failed", 3), (result.Status, result.ExitCode));
        var lines = output.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(20000, lines.Length);
        Assert.Equal(Enumerable.Range(1, 20000).Select(i => $"line {i} é"), lines);
        Assert.Equal("to stderr ü\n", output.Stderr);
    }

    [Fact]
    public async Task AnImageTheDaemonLacksIsTheDaemonsOwnLoudError()
    {
        using var missing = new DockerBackend(new DockerOptions { BashImage = "cronium/no-such-runner:none" });
        var runner = new ExecutionRunner(fixture.Runtime.Client, fixture.Endpoint, missing);

        var error = await Assert.ThrowsAsync<DockerEngineException>(() => runner.RunAsync(Paths.Inline(Language.Bash, "true"), new RunOptions(), new CapturedOutput(), default));

        Assert.Equal(System.Net.HttpStatusCode.NotFound, error.Status);
        Assert.Contains("cronium/no-such-runner:none", error.Message);
    }

    [Fact]
    public async Task ADaemonThatDoesNotAnswerIsNamedByItsSocketBeforeAnyExecutionExists()
    {
        using var folder = new TempFolder();
        var socket = Path.Combine(folder.Path, "docker.sock");
        using var absent = new DockerBackend(new DockerOptions { Endpoint = "unix://" + socket });

        var error = await Assert.ThrowsAsync<IOException>(() => absent.RemoveLeftoversAsync(default));

        Assert.Contains($"No Docker daemon answers at unix://{socket}", error.Message);
        Assert.DoesNotContain("docker:80", error.Message);
    }

    [Fact]
    public async Task TheJobFolderSitsInsideAFolderOnlyThisUserCanEnter()
    {
        // Before: /tmp/cronium-job-* itself was 0777 directly under the temp folder, so any local user could swap
        // the script or plant a module it imports, and act with the job's token.
        string? source = null;
        var script = "for i in $(seq 600); do [ -f /work/release ] && break; sleep 0.05; done; echo released";
        var output = new CapturedOutput();
        var run = Runner.RunAsync(Paths.Inline(Language.Bash, script), new RunOptions
        {
            Started = id =>
            {
                _ = Task.Run(async () =>
                {
                    for (var i = 0; i < 600 && source is null; i++)
                    {
                        var found = await docker.Containers.ListContainersAsync(new ContainersListParameters
                        {
                            All = true,
                            Filters = new Dictionary<string, IDictionary<string, bool>> { ["label"] = new Dictionary<string, bool> { [$"{DockerBackend.ExecutionLabel}={id}"] = true } },
                        });
                        if (found.FirstOrDefault()?.Mounts.FirstOrDefault(m => m.Destination == "/work") is { } mount) source = mount.Source;
                        else await Task.Delay(50);
                    }
                });
                return Task.CompletedTask;
            },
        }, output, default);
        await Eventually.UntilAsync(() => source is not null || run.IsCompleted, "the job's container to show its /work mount");
        var parentMode = source is null ? default : File.GetUnixFileMode(Path.GetDirectoryName(source)!);
        if (source is not null) File.WriteAllText(Path.Combine(source, "release"), "");
        var result = await run;

        Assert.NotNull(source);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, parentMode);
        Assert.Equal(("succeeded", "released\n"), (result.Status, output.Stdout));
        Assert.False(Directory.Exists(Path.GetDirectoryName(source)), "the job's folders go with the job");
    }

    [Fact]
    public async Task ASocketSharingItsFolderWithAnythingElseIsRefusedBeforeAnyContainer()
    {
        // Before: the socket's whole folder was mounted, so --runtime unix:///run/x.sock handed every job all of /run.
        var folder = Directory.CreateTempSubdirectory("cronium-shared-socket-");
        try
        {
            File.WriteAllText(Path.Combine(folder.FullName, "docker.sock"), "not ours to share");
            var socket = Path.Combine(folder.FullName, "runtime.sock");
            var request = new BackendRequest(Paths.Inline(Language.Bash, "true"), Guid.NewGuid().ToString(), "token", new RuntimeEndpoint("unix://" + socket, socket), new Dictionary<string, string>());

            var error = await Assert.ThrowsAsync<IOException>(() => backend.RunAsync(request, new CapturedOutput(), default));

            Assert.Contains("shares its folder with docker.sock", error.Message);
            var mine = await docker.Containers.ListContainersAsync(new ContainersListParameters
            {
                All = true,
                Filters = new Dictionary<string, IDictionary<string, bool>> { ["label"] = new Dictionary<string, bool> { [$"{DockerBackend.ExecutionLabel}={request.ExecutionId}"] = true } },
            });
            Assert.Empty(mine);
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task LeftoversOfADeadRunAreRemovedAtStartAndALiveRunsAreKept()
    {
        var dead = await CreateIdleContainerAsync(ownerPid: 0x3FFFFFFF);
        var live = await CreateIdleContainerAsync(ownerPid: Environment.ProcessId);
        // A pid means something only on the host and boot that recorded it.
        var otherHost = await CreateIdleContainerAsync(ownerPid: 0x3FFFFFFF, host: "another-host");
        var earlierBoot = await CreateIdleContainerAsync(ownerPid: Environment.ProcessId, boot: Guid.NewGuid().ToString());
        try
        {
            await backend.RemoveLeftoversAsync(default);

            var remaining = (await docker.Containers.ListContainersAsync(new ContainersListParameters { All = true })).Select(c => c.ID).ToList();
            Assert.DoesNotContain(dead, remaining);
            Assert.Contains(live, remaining);
            Assert.Contains(otherHost, remaining);
            Assert.DoesNotContain(earlierBoot, remaining);
        }
        finally
        {
            foreach (var id in new[] { live, otherHost, dead, earlierBoot })
                try { await docker.Containers.RemoveContainerAsync(id, new ContainerRemoveParameters { Force = true }); } catch (DockerContainerNotFoundException) { }
        }
    }

    public void Dispose()
    {
        backend.Dispose();
        docker.Dispose();
    }

    private async Task<string> CreateIdleContainerAsync(int ownerPid, string? host = null, string? boot = null)
    {
        var created = await docker.Containers.CreateContainerAsync(new CreateContainerParameters
        {
            Image = new DockerOptions().BashImage,
            Cmd = ["sleep", "60"],
            Labels = new Dictionary<string, string>
            {
                [DockerBackend.ManagedLabel] = "true",
                [DockerBackend.OwnerLabel] = ownerPid.ToString(),
                [DockerBackend.OwnerHostLabel] = host ?? Environment.MachineName,
                [DockerBackend.OwnerBootLabel] = boot ?? File.ReadAllText("/proc/sys/kernel/random/boot_id").Trim(),
            },
            HostConfig = new HostConfig { NetworkMode = "none" },
        });
        return created.ID;
    }

    private async Task AssertNoContainerAsync(string executionId)
    {
        var containers = await docker.Containers.ListContainersAsync(new ContainersListParameters
        {
            All = true,
            Filters = new Dictionary<string, IDictionary<string, bool>> { ["label"] = new Dictionary<string, bool> { [$"{DockerBackend.ExecutionLabel}={executionId}"] = true } },
        });
        Assert.Empty(containers);
    }
}

/// <summary>The runtime killed and started again while a container job runs: the job's next helper call reaches the new one.</summary>
public sealed class RuntimeRestartTests : IDisposable
{
    private readonly DirectoryInfo folder = Directory.CreateTempSubdirectory("cronium-restart-");
    private readonly string key = new('k', 40);
    private readonly string signingKey = Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));
    private System.Diagnostics.Process? runtime;

    private string Socket => Path.Combine(folder.FullName, "socket", "runtime.sock");

    public void Dispose()
    {
        Kill();
        folder.Delete(recursive: true);
    }

    [Fact]
    public async Task AJobsHelperCallsReachTheRestartedRuntimeAndNothingIsLostOrDoubled()
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Socket)!);
        File.SetUnixFileMode(Path.GetDirectoryName(Socket)!, (UnixFileMode)Convert.ToInt32("755", 8));
        await StartRuntimeAsync();
        using var client = new RuntimeClient("unix://" + Socket, key);
        using var docker = new DockerBackend();
        var user = "restart-" + Guid.NewGuid().ToString("N")[..8];
        // The script waits for "go", which the test sets only once the runtime has been killed and started again;
        // the helper retries its calls (connection refused, a missing socket) meanwhile.
        var script = """
            import time
            cronium.setVariable("before", 1)
            while cronium.getVariable("go") is None:
                time.sleep(0.1)
            cronium.setVariable("after", 2)
            cronium.output({"done": True})
            """;
        var output = new CapturedOutput();
        var run = new ExecutionRunner(client, new RuntimeEndpoint("unix://" + Socket, Socket), docker)
            .RunAsync(Paths.Inline(Language.Python, script, TimeSpan.FromMinutes(3)), new RunOptions { UserId = user }, output, default);

        await Eventually.UntilAsync(() => run.IsCompleted || client.GetUserVariableAsync(user, "before", default).GetAwaiter().GetResult() is not null, "the job's first write");
        Kill();
        await Task.Delay(1000);
        await StartRuntimeAsync();
        await client.SetUserVariableAsync(user, "go", JsonValue.Create(true), default);
        var result = await run;

        Assert.True(result.Status == "succeeded", $"{result.Status} {result.Error}\n{output.Stdout}\n{output.Stderr}");
        Assert.Equal("{\"done\":true}", result.Output!.ToJsonString());
        foreach (var (name, value) in new[] { ("before", 1), ("after", 2) })
        {
            var variable = await client.GetUserVariableAsync(user, name, default);
            Assert.Equal(value, (int)variable!);
        }
    }

    private async Task StartRuntimeAsync()
    {
        var configuration = AppContext.BaseDirectory.Contains("/Release/", StringComparison.Ordinal) ? "Release" : "Debug";
        var dll = Path.Combine(Paths.Repository, "src", "Cronium.Runtime", "bin", configuration, "net10.0", "Cronium.Runtime.dll");
        var info = new System.Diagnostics.ProcessStartInfo("dotnet", [dll]) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        info.Environment["ASPNETCORE_ENVIRONMENT"] = "Development";
        info.Environment["Runtime__ListenTcp"] = "false";
        info.Environment["Runtime__UnixSocket"] = Socket;
        info.Environment["Runtime__SqlitePath"] = Path.Combine(folder.FullName, "runtime.db");
        info.Environment["Runtime__SigningKey"] = signingKey;
        info.Environment["Runtime__CredentialKey"] = signingKey;
        info.Environment["Runtime__OrchestratorKeys__0"] = key;
        info.Environment["Logging__LogLevel__Default"] = "Warning";
        runtime = System.Diagnostics.Process.Start(info)!;
        runtime.OutputDataReceived += (_, _) => { };
        runtime.ErrorDataReceived += (_, _) => { };
        runtime.BeginOutputReadLine();
        runtime.BeginErrorReadLine();
        using var probe = new RuntimeClient("unix://" + Socket, key);
        await Eventually.UntilAsync(() =>
        {
            try
            {
                probe.GetUserVariableAsync("probe", "probe", default).GetAwaiter().GetResult();
                return true;
            }
            catch (Exception e) when (e is HttpRequestException or RuntimeApiException)
            {
                return false;
            }
        }, "the runtime to answer on its socket");
    }

    private void Kill()
    {
        if (runtime is null) return;
        runtime.Kill(entireProcessTree: true);
        runtime.WaitForExit();
        runtime.Dispose();
        runtime = null;
    }
}
