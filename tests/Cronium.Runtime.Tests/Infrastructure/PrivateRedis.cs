using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Cronium.Runtime.Tests.Infrastructure;

/// <summary>A real redis-server of a test's own, so the test can stop, freeze and restart it.</summary>
public sealed class PrivateRedis : IDisposable
{
    private Process? process;

    // Its working folder: whatever a test makes it write (an append-only file) goes there and is removed with it.
    private readonly TempFolder folder = new();

    public PrivateRedis()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        Port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        Start();
    }

    public int Port { get; }

    public string ConnectionString => $"127.0.0.1:{Port}";

    public void Start()
    {
        process = Process.Start(new ProcessStartInfo("redis-server", $"--port {Port} --bind 127.0.0.1 --save \"\" --appendonly no --dir {folder.Path}")
        {
            RedirectStandardOutput = true,
            UseShellExecute = false,
        }) ?? throw new InvalidOperationException("redis-server did not start (is the redis-server package installed?)");
        process.BeginOutputReadLine();
        for (var i = 0; i < 100; i++)
        {
            try
            {
                using var client = new TcpClient();
                client.Connect(IPAddress.Loopback, Port);
                return;
            }
            catch (SocketException)
            {
                Thread.Sleep(50);
            }
        }
        throw new InvalidOperationException($"redis-server did not listen on {Port}");
    }

    public void Stop()
    {
        if (process is null) return;
        process.Kill();
        process.WaitForExit();
        process.Dispose();
        process = null;
    }

    /// <summary>A frozen server accepts connections but never answers: "slow", as far as a client can tell.</summary>
    public void Freeze() => Signal("STOP");

    public void Thaw() => Signal("CONT");

    public void Dispose()
    {
        if (process is not null) Signal("CONT");
        Stop();
        folder.Dispose();
    }

    private void Signal(string signal)
    {
        using var kill = Process.Start("kill", $"-{signal} {process!.Id}");
        kill.WaitForExit();
    }
}
