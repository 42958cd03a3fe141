using System.Diagnostics;
using System.Text.RegularExpressions;

namespace Cronium.Cli.Tests;

/// <summary><c>cronium logs --follow</c> against a runtime: server-sent events, resumed after a dropped connection.</summary>
public sealed partial class LogsFollowTests(CliHome home) : IClassFixture<CliHome>
{
    private const string Key = "cli-tests-orchestrator-key-0123456789abcdef";

    private CliRunner Cli => home.Cli;

    [Fact]
    public async Task LogsFollowOverServerSentEventsResumesAfterADroppedConnectionWithNoLineMissedOrRepeated()
    {
        using var folder = new TempFolder();
        var socket = Path.Combine(folder.Path, "api.sock");
        var (release, idFile) = (Path.Combine(folder.Path, "release"), Path.Combine(folder.Path, "execution"));
        using var serve = Cli.Start(new Dictionary<string, string>
        {
            ["Runtime__ListenTcp"] = "false",
            ["Runtime__UnixSocket"] = socket,
            ["Runtime__OrchestratorKeys__0"] = Key,
            ["Runtime__SigningKey"] = Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32)),
            ["Runtime__CredentialKey"] = Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32)),
            ["Runtime__SqlitePath"] = Path.Combine(folder.Path, "runtime.db"),
            ["TMPDIR"] = folder.Path,
        }, "serve");
        var serveOutput = Task.WhenAll(serve.StandardOutput.ReadToEndAsync(), serve.StandardError.ReadToEndAsync());
        try
        {
            await Eventually.UntilAsync(() => File.Exists(socket) || serve.HasExited, "cronium serve to listen");
            if (serve.HasExited) Assert.Fail($"cronium serve exited: {string.Concat(await serveOutput)}");
            using var proxy = new CuttingProxy(socket);
            // Held until the test has seen the reconnection (at most two minutes, so nothing outlives a failed test).
            var script = folder.Write("talk.sh",
                $"echo \"$CRONIUM_EXECUTION_ID\" > {idFile}.tmp && mv {idFile}.tmp {idFile}\necho one\nfor _ in $(seq 2400); do [ -e {release} ] && break; sleep 0.05; done\necho two >&2\necho three\n");
            using var running = Cli.Start("run", script, "--runtime", "unix://" + socket, "--orchestrator-key", Key);
            await Eventually.UntilAsync(() => File.Exists(idFile), "the script to start");

            using var follow = Cli.Start("logs", File.ReadAllText(idFile).Trim(), "--follow", "--runtime", proxy.Url, "--orchestrator-key", Key);
            var stdout = follow.StandardOutput.ReadToEndAsync();
            var stderr = follow.StandardError.ReadToEndAsync();
            await Eventually.UntilAsync(() => proxy.LogRequests.Count >= 2 || follow.HasExited, "the follower to reconnect after its connection was dropped");
            File.WriteAllText(release, "");
            await running.WaitForExitAsync();
            await follow.WaitForExitAsync();

            Assert.True(follow.ExitCode == 0, await stderr);
            Assert.Equal("one\nthree\n", await stdout);
            Assert.Equal("two\n", await stderr);
            var requests = proxy.LogRequests;
            Assert.Equal(2, requests.Count);
            Assert.All(requests, r => Assert.Matches("(?im)^accept: text/event-stream\r?$", r));
            Assert.DoesNotMatch("(?im)^last-event-id:", requests[0]);
            // The second asks to go on after the entry the dropped connection carried last.
            var lastId = LastId().Matches(proxy.CutStream)[^1].Groups[1].Value;
            Assert.Matches($"(?im)^last-event-id: {lastId}\r?$", requests[1]);
        }
        finally
        {
            if (!serve.HasExited)
            {
                using var term = Process.Start("kill", $"-TERM {serve.Id}");
                await term.WaitForExitAsync();
            }
            await serve.WaitForExitAsync();
            await serveOutput;
        }
    }

    [GeneratedRegex(@"(?m)^id: (\d+)$")]
    private static partial Regex LastId();
}
