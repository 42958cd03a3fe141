using System.Diagnostics;
using System.Net.Sockets;

namespace Cronium.Execution.Runtime;

/// <summary>
/// The embedded runtime as a child process: the runtime published with Native AOT, which starts and answers its first
/// request without a JIT. Measured on 2 cores, a bash no-op: 582 → 260 ms a run (medians of 15, interleaved), because
/// the runtime in this process spends most of a short run's time compiling itself. It gets the settings the in-process
/// one would get, as environment variables on top of this process's own, and stops when its standard input closes:
/// when this process asks, or dies.
/// </summary>
internal sealed class NativeRuntime
{
    /// <summary>Off, a path, or unset: then <c>native-runtime/Cronium.Runtime</c> beside this program when it is there.</summary>
    public const string Variable = "CRONIUM_NATIVE_RUNTIME";

    private static readonly TimeSpan StopPatience = TimeSpan.FromSeconds(30);

    private readonly Process process;

    private NativeRuntime(Process process) => this.process = process;

    /// <summary>The native runtime to run, or null for the one in this process.</summary>
    public static string? Locate()
    {
        var chosen = Environment.GetEnvironmentVariable(Variable);
        if (string.Equals(chosen, "off", StringComparison.OrdinalIgnoreCase)) return null;
        if (!string.IsNullOrEmpty(chosen))
            return File.Exists(chosen) ? Path.GetFullPath(chosen)
                : throw new IOException($"{Variable} names {chosen}, which does not exist (set it to off to run the runtime in this process)");
        var beside = Path.Combine(AppContext.BaseDirectory, "native-runtime", "Cronium.Runtime");
        return File.Exists(beside) ? beside : null;
    }

    /// <summary>Starts it and returns once it accepts connections on <paramref name="socket"/> (its hosted services have started by then).</summary>
    public static async Task<NativeRuntime> StartAsync(string path, string socket, IEnumerable<KeyValuePair<string, string?>> settings, CancellationToken cancellationToken)
    {
        var info = new ProcessStartInfo(path) { UseShellExecute = false, RedirectStandardInput = true };
        foreach (var (key, value) in settings) info.Environment[key.Replace(":", "__", StringComparison.Ordinal)] = value;
        info.Environment["Runtime__StopWhenInputCloses"] = "true";
        // Its standard output is the script's terminal: whatever it logs goes to standard error.
        info.Environment["Logging__Console__LogToStandardErrorThreshold"] = "Trace";
        var process = Process.Start(info) ?? throw new IOException($"{path} did not start");
        var runtime = new NativeRuntime(process);
        try
        {
            while (!await AcceptsAsync(socket, cancellationToken))
            {
                if (process.HasExited) throw new IOException($"{path} exited with code {process.ExitCode} before it listened (its errors are above)");
                await Task.Delay(5, cancellationToken);
            }
            return runtime;
        }
        catch
        {
            await runtime.StopAsync();
            throw;
        }
    }

    private static async Task<bool> AcceptsAsync(string socket, CancellationToken cancellationToken)
    {
        if (!File.Exists(socket)) return false;
        using var probe = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            await probe.ConnectAsync(new UnixDomainSocketEndPoint(socket), cancellationToken);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    /// <summary>Closes its input, so it stops as a stopped host does (the audit's last batch written), and waits for it.</summary>
    public async Task StopAsync()
    {
        try
        {
            if (!process.HasExited) process.StandardInput.Close();
            using var patience = new CancellationTokenSource(StopPatience);
            await process.WaitForExitAsync(patience.Token);
        }
        catch (OperationCanceledException)
        {
            // Not stopped in 30 s: it is not left behind.
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }
        finally
        {
            process.Dispose();
        }
    }
}
