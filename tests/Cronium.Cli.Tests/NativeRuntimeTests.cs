using System.Diagnostics;

namespace Cronium.Cli.Tests;

/// <summary>
/// <c>cronium run</c> with the runtime's Native AOT build as its embedded runtime (CRONIUM_NATIVE_RUNTIME): a child
/// process on the same store and keys as the in-process one, gone when the command ends, however it ends. Each test
/// runs its own copy of the build (CRONIUM_TEST_NATIVE_RUNTIME: the folder scripts/test.sh publishes it to), so the
/// processes it looks for are its own.
/// </summary>
public sealed class NativeRuntimeTests(CliHome home) : IClassFixture<CliHome>
{
    private static readonly string Published = Environment.GetEnvironmentVariable("CRONIUM_TEST_NATIVE_RUNTIME")
        ?? throw new InvalidOperationException("CRONIUM_TEST_NATIVE_RUNTIME is not set: run the tests through scripts/test.sh, which publishes the runtime with Native AOT.");

    [Fact]
    public async Task ARunOnTheNativeRuntimeSharesItsStoreWithTheRuntimeInProcess()
    {
        using var folder = new TempFolder();
        var native = CopyOfTheBuild(folder.Info);
        var set = Path.Combine(folder.Info.FullName, "set.sh");
        var get = Path.Combine(folder.Info.FullName, "get.sh");
        // The script counts the runtimes running from this copy of the build: its own embedded runtime is one.
        await File.WriteAllTextAsync(set, $$"""
            cronium_set_variable native-key '"set natively"'
            n=0
            for f in /proc/[0-9]*/cmdline; do [ "$(tr '\0' '\n' < "$f" 2>/dev/null | head -n 1)" = '{{native}}' ] && n=$((n + 1)); done
            cronium_output "{\"runtimes\": $n}"
            """);
        await File.WriteAllTextAsync(get, "cronium_output \"$(cronium_get_variable native-key)\"");

        var natively = await home.Cli.RunAsync(new Dictionary<string, string> { ["CRONIUM_NATIVE_RUNTIME"] = native }, null, "run", set, "--json");
        var inProcess = await home.Cli.RunAsync(new Dictionary<string, string> { ["CRONIUM_NATIVE_RUNTIME"] = "off" }, null, "run", get, "--json");

        Assert.True(natively.ExitCode == 0, natively.Stderr);
        Assert.Equal(1, (int)JsonNode.Parse(natively.Stdout)!["output"]!["runtimes"]!);
        Assert.True(inProcess.ExitCode == 0, inProcess.Stderr);
        Assert.Equal("set natively", (string)JsonNode.Parse(inProcess.Stdout)!["output"]!);
        Assert.Empty(RuntimesOf(native));
    }

    [Fact]
    public async Task TheNativeRuntimeEndsWithACommandThatWasKilled()
    {
        using var folder = new TempFolder();
        var native = CopyOfTheBuild(folder.Info);
        var pidFile = Path.Combine(folder.Info.FullName, "script.pid");
        var script = Path.Combine(folder.Info.FullName, "wait.sh");
        await File.WriteAllTextAsync(script, $"echo $$ > '{pidFile}'\nsleep 120\n");

        // Its temporary folders in this test's folder: a killed command cannot remove its socket and job folders.
        var temp = Directory.CreateDirectory(Path.Combine(folder.Info.FullName, "tmp")).FullName;
        using var cli = home.Cli.Start(new Dictionary<string, string> { ["CRONIUM_NATIVE_RUNTIME"] = native, ["TMPDIR"] = temp }, "run", script);
        try
        {
            await Eventually.UntilAsync(() => File.Exists(pidFile) && RuntimesOf(native).Count == 1, "the script and its native runtime to run");
            cli.Kill();
            await Eventually.UntilAsync(() => RuntimesOf(native).Count == 0, "the native runtime to end after its command was killed");
        }
        finally
        {
            // The script is the process backend's, which a killed command cannot stop either.
            if (File.Exists(pidFile) && int.TryParse(File.ReadAllText(pidFile).Trim(), out var pid))
                try { Process.GetProcessById(pid).Kill(); } catch (ArgumentException) { }
            foreach (var left in RuntimesOf(native)) left.Kill();
        }
    }

    [Fact]
    public async Task ANativeRuntimeWhoseInputClosesWhileItStartsStopsCleanly()
    {
        // A command killed while its runtime starts: the runtime finishes starting, then stops as asked, rather than
        // failing its start (an unhandled exception, exit 134).
        using var folder = new TempFolder();
        var native = CopyOfTheBuild(folder.Info);
        var info = new ProcessStartInfo(native) { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.Environment["Runtime__StopWhenInputCloses"] = "true";
        info.Environment["Runtime__ListenTcp"] = "false";
        info.Environment["Runtime__UnixSocket"] = Path.Combine(folder.Info.FullName, "runtime.sock");
        info.Environment["Runtime__SqlitePath"] = Path.Combine(folder.Info.FullName, "runtime.db");
        info.Environment["Runtime__SigningKey"] = Convert.ToBase64String(new byte[32]);
        info.Environment["Runtime__OrchestratorKeys__0"] = "native-runtime-test-key-0123456789abcdef";
        info.Environment["ASPNETCORE_ENVIRONMENT"] = "Development";

        using var runtime = Process.Start(info)!;
        runtime.StandardInput.Close();
        var stdout = runtime.StandardOutput.ReadToEndAsync();
        var stderr = runtime.StandardError.ReadToEndAsync();
        await runtime.WaitForExitAsync();

        Assert.True(runtime.ExitCode == 0, $"exit {runtime.ExitCode}: {await stderr}{await stdout}");
        Assert.DoesNotContain("Unhandled exception", await stderr);
    }

    [Fact]
    public async Task ANativeRuntimeThatIsNotThereIsALoudError()
    {
        var run = await home.Cli.RunAsync(new Dictionary<string, string> { ["CRONIUM_NATIVE_RUNTIME"] = "/nonexistent/Cronium.Runtime" }, null,
            "run", Path.Combine(Paths.Examples, "inline.yaml"));

        Assert.NotEqual(0, run.ExitCode);
        Assert.Contains("CRONIUM_NATIVE_RUNTIME names /nonexistent/Cronium.Runtime, which does not exist", run.Stderr);
    }

    /// <summary>The published folder copied into <paramref name="into"/>: the binary's path is then this test's alone.</summary>
    private static string CopyOfTheBuild(DirectoryInfo into)
    {
        var copy = Directory.CreateDirectory(Path.Combine(into.FullName, "native-runtime"));
        foreach (var file in Directory.GetFiles(Published))
            File.Copy(file, Path.Combine(copy.FullName, Path.GetFileName(file)));
        var binary = Path.Combine(copy.FullName, "Cronium.Runtime");
        Assert.True(File.Exists(binary), $"no Cronium.Runtime in {Published}");
        return binary;
    }

    private static List<Process> RuntimesOf(string binary) =>
        Process.GetProcesses().Where(p =>
        {
            try
            {
                return !p.HasExited && File.ReadAllText($"/proc/{p.Id}/cmdline").Split('\0')[0] == binary;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidOperationException)
            {
                return false;
            }
        }).ToList();
}
