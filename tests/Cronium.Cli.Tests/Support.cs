using System.Diagnostics;

namespace Cronium.Cli.Tests;

/// <summary>
/// The embedded default's data folder for one test class (XDG_DATA_HOME for every command it runs), so runs, logs and
/// credentials of one class are its own, and all of it is removed afterwards.
/// </summary>
public sealed class CliHome : IDisposable
{
    private readonly DirectoryInfo home = Directory.CreateTempSubdirectory("cronium-cli-home-");

    // The stand-in providers listen on loopback, which tool actions may not reach unless allowed.
    public CliHome() => Cli = new CliRunner(new Dictionary<string, string>
    {
        ["XDG_DATA_HOME"] = home.FullName,
        ["Runtime__ToolActions__AllowedNetworks__0"] = "127.0.0.0/8",
    });

    public CliRunner Cli { get; }

    public string DataFolder => Path.Combine(home.FullName, "cronium");

    public void Dispose() => home.Delete(recursive: true);
}

/// <summary>The real cronium command, as a user runs it.</summary>
public sealed class CliRunner(IReadOnlyDictionary<string, string> environment)
{
    private static readonly string Dll = Path.Combine(AppContext.BaseDirectory, "cronium.dll");

    public Process Start(params string[] args) => Start(new Dictionary<string, string>(), args);

    public Process Start(IDictionary<string, string> extra, params string[] args)
    {
        // Through a tiny exec wrapper that restores SIGINT's default: a test host started in the background
        // inherits SIGINT ignored (as every background job does), and an ignored Ctrl-C would prove nothing.
        var info = new ProcessStartInfo("python3") { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true, UseShellExecute = false };
        info.ArgumentList.Add("-c");
        info.ArgumentList.Add("import os, signal, sys; signal.signal(signal.SIGINT, signal.SIG_DFL); os.execvp(sys.argv[1], sys.argv[1:])");
        info.ArgumentList.Add("dotnet");
        info.ArgumentList.Add(Dll);
        foreach (var a in args) info.ArgumentList.Add(a);
        foreach (var (k, v) in environment) info.Environment[k] = v;
        foreach (var (k, v) in extra) info.Environment[k] = v;
        return Process.Start(info)!;
    }

    public Task<(int ExitCode, string Stdout, string Stderr)> RunAsync(params string[] args) => RunAsync(new Dictionary<string, string>(), null, args);

    public async Task<(int ExitCode, string Stdout, string Stderr)> RunAsync(IDictionary<string, string> extra, string? stdin, params string[] args)
    {
        using var process = Start(extra, args);
        if (stdin is not null) await process.StandardInput.WriteAsync(stdin);
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (process.ExitCode, await stdout, await stderr);
    }
}

public static class Paths
{
    public static string Repository { get; } = FindRepository();

    public static string Examples => Path.Combine(Repository, "examples");

    private static string FindRepository()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "openapi.yaml"))) return dir.FullName;
        throw new DirectoryNotFoundException("repository root (openapi.yaml) not found above the test binaries");
    }
}
