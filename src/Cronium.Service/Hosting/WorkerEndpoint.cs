using System.Security.Cryptography;

namespace Cronium.Service.Hosting;

/// <summary>
/// How this instance's workers reach the runtime they run beside: its Unix socket (the operator's
/// <c>Runtime:UnixSocket</c>, else a private one made here, which scripts and containers use too) and an
/// orchestrator key that exists only in this process's memory.
/// </summary>
internal sealed class WorkerEndpoint : IDisposable
{
    private readonly DirectoryInfo? folder;

    private WorkerEndpoint(string socketPath, string key, DirectoryInfo? folder)
    {
        this.folder = folder;
        SocketPath = socketPath;
        Key = key;
        Client = new RuntimeClient("unix://" + socketPath, key);
    }

    public string SocketPath { get; }

    public string Key { get; }

    public RuntimeClient Client { get; }

    public RuntimeEndpoint Endpoint => new("unix://" + SocketPath, SocketPath);

    /// <summary>Adds the socket (when none is set) and the key to the runtime's settings before it is built.</summary>
    public static WorkerEndpoint Prepare(ConfigurationManager configuration)
    {
        var key = Convert.ToHexString(RandomNumberGenerator.GetBytes(32));
        var configured = configuration["Runtime:UnixSocket"];
        DirectoryInfo? folder = null;
        var socket = configured;
        if (string.IsNullOrWhiteSpace(socket))
        {
            (folder, socket) = PrivateSocket.Create("cronium-serve-");
        }
        configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Runtime:UnixSocket"] = socket,
            ["Runtime:HostOrchestratorKeys:0"] = key,
        });
        return new WorkerEndpoint(Path.GetFullPath(socket), key, folder);
    }

    public void Dispose()
    {
        Client.Dispose();
        try
        {
            folder?.Delete(recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
