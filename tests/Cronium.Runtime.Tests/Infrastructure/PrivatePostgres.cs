using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Cronium.Runtime.Tests.Infrastructure;

/// <summary>A real PostgreSQL server of a test's own (initdb in a temporary folder), so the test can stop and start it.</summary>
public sealed class PrivatePostgres : IDisposable
{
    private static readonly string Bin = Directory.GetDirectories("/usr/lib/postgresql").Order().Last() + "/bin";
    private readonly DirectoryInfo folder = Directory.CreateTempSubdirectory("cronium-pg-");

    public PrivatePostgres()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        Port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        Run("chown", "postgres", folder.FullName);
        AsPostgres($"{Bin}/initdb", "-D", Data, "-A", "trust", "-U", "postgres", "--no-sync");
        Start();
    }

    public int Port { get; }

    public string ConnectionString => $"Host=127.0.0.1;Port={Port};Username=postgres;Database=postgres;Timeout=5;Command Timeout=10";

    private string Data => Path.Combine(folder.FullName, "data");

    // synchronous_commit stays on: with it off PostgreSQL acknowledges a commit before its WAL leaves the server's
    // buffers, and an immediate stop loses acknowledged writes (the outage test saw 58 of 60), which is the very
    // thing the tests here check the runtime never does. fsync off only skips the disk flush; the OS keeps the data.
    public void Start() => AsPostgres($"{Bin}/pg_ctl", "-D", Data, "-l", Path.Combine(folder.FullName, "log"), "-w", "-o",
        $"-c listen_addresses=127.0.0.1 -p {Port} -k {folder.FullName} -c fsync=off", "start");

    /// <summary><paramref name="mode"/>: fast (clean shutdown) or immediate (as if it crashed).</summary>
    public void Stop(string mode = "fast") => AsPostgres($"{Bin}/pg_ctl", "-D", Data, "-m", mode, "-w", "stop");

    public void Dispose()
    {
        try { Stop("immediate"); } catch (InvalidOperationException) { }
        folder.Delete(recursive: true);
    }

    private static void AsPostgres(string program, params string[] args) => Run("runuser", ["-u", "postgres", "--", program, .. args]);

    private static void Run(string program, params string[] args)
    {
        var info = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args) info.ArgumentList.Add(a);
        using var process = Process.Start(info)!;
        var error = process.StandardError.ReadToEndAsync();
        process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0) throw new InvalidOperationException($"{program} {string.Join(' ', args)} failed: {error.Result}");
    }
}
