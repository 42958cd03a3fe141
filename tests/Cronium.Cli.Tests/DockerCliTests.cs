using Cronium.Execution.Backends;
using Docker.DotNet;
using Docker.DotNet.Models;

namespace Cronium.Cli.Tests;

/// <summary>cronium run --backend docker as a user runs it: nothing of the run survives it, even after Ctrl-C.</summary>
public sealed class DockerCliTests(CliHome home) : IClassFixture<CliHome>
{
    private CliRunner Cli => home.Cli;

    [Fact]
    public async Task NoContainerSocketOrFolderIsLeftAfterSuccessFailureAndCancel()
    {
        using var tmpFolder = new TempFolder();
        using var scriptsFolder = new TempFolder();
        var (tmp, scripts) = (tmpFolder.Info, scriptsFolder.Info);
        await File.WriteAllTextAsync(Path.Combine(scripts.FullName, "ok.sh"), "cronium_output_json '{\"fine\":true}'");
        await File.WriteAllTextAsync(Path.Combine(scripts.FullName, "fail.py"), "raise SystemExit(5)");
        await File.WriteAllTextAsync(Path.Combine(scripts.FullName, "wait.sh"), "echo started\nsleep 60");
        var env = new Dictionary<string, string> { ["TMPDIR"] = tmp.FullName };

        var ok = await Cli.RunAsync(env, null, "run", Path.Combine(scripts.FullName, "ok.sh"), "--backend", "docker", "--json");
        var fail = await Cli.RunAsync(env, null, "run", Path.Combine(scripts.FullName, "fail.py"), "--backend", "docker", "--json");
        var waiting = Cli.Start(env, "run", Path.Combine(scripts.FullName, "wait.sh"), "--backend", "docker", "--json");
        var stderr = new System.Text.StringBuilder();
        waiting.ErrorDataReceived += (_, e) => { lock (stderr) stderr.AppendLine(e.Data); };
        waiting.BeginErrorReadLine();
        await Eventually.UntilAsync(() => { lock (stderr) return stderr.ToString().Contains("started"); }, "the script in its container to start");
        using (var kill = System.Diagnostics.Process.Start("kill", $"-INT {waiting.Id}")) await kill.WaitForExitAsync();
        var cancelled = await waiting.StandardOutput.ReadToEndAsync();
        await waiting.WaitForExitAsync();

        Assert.Equal(0, ok.ExitCode);
        Assert.Equal("{\"fine\":true}", System.Text.Json.Nodes.JsonNode.Parse(ok.Stdout)!["output"]!.ToJsonString());
        Assert.Equal(5, fail.ExitCode);
        Assert.Equal(130, waiting.ExitCode);
        Assert.Equal("cancelled", (string)System.Text.Json.Nodes.JsonNode.Parse(cancelled)!["status"]!);
        Assert.Empty(tmp.EnumerateFileSystemInfos());
        using var docker = new DockerClientConfiguration(new Uri(new DockerOptions().Endpoint)).CreateClient();
        var mine = await docker.Containers.ListContainersAsync(new ContainersListParameters
        {
            All = true,
            Filters = new Dictionary<string, IDictionary<string, bool>> { ["label"] = new Dictionary<string, bool> { [$"{DockerBackend.ManagedLabel}=true"] = true } },
        });
        Assert.DoesNotContain(mine, c => c.Labels.TryGetValue(DockerBackend.OwnerLabel, out var pid) && pid == waiting.Id.ToString());
    }
}
