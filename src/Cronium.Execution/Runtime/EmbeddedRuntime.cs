using System.Security.Cryptography;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Cronium.Execution.Runtime;

/// <summary>
/// The runtime API in this process, on a private Unix socket, with the SQLite default: what lets
/// <c>cronium run</c> work on a bare machine. Its data persists in the SQLite file, so variables, runs and logs
/// carry over from one run to the next; its signing and credential keys live beside it (<see cref="EmbeddedKeys"/>),
/// its orchestrator key for this process only.
/// </summary>
public sealed class EmbeddedRuntime : IAsyncDisposable
{
    private readonly WebApplication app;
    private readonly DirectoryInfo folder;

    private EmbeddedRuntime(WebApplication app, DirectoryInfo folder, string socketPath, string orchestratorKey)
    {
        this.app = app;
        this.folder = folder;
        SocketPath = socketPath;
        Client = new RuntimeClient("unix://" + socketPath, orchestratorKey);
    }

    public string SocketPath { get; }

    /// <summary>The folder holding the socket: what a container mounts.</summary>
    public string SocketFolder => Path.GetDirectoryName(SocketPath)!;

    public RuntimeClient Client { get; }

    /// <param name="settings">More runtime settings (the environment and these apply too: Runtime__ToolActions__AllowedNetworks__0 ...).</param>
    public static async Task<EmbeddedRuntime> StartAsync(string? sqlitePath, CancellationToken cancellationToken, IReadOnlyDictionary<string, string?>? settings = null)
    {
        var (folder, socket) = PrivateSocket.Create("cronium-run-");
        var orchestratorKey = Convert.ToHexString(RandomNumberGenerator.GetBytes(32));
        sqlitePath = Path.GetFullPath(string.IsNullOrEmpty(sqlitePath) ? Cronium.Runtime.Hosting.RuntimeOptions.DefaultSqlitePath() : sqlitePath);
        var (signingKey, credentialKey) = EmbeddedKeys.LoadOrCreate(Path.GetDirectoryName(sqlitePath)!);
        var all = new Dictionary<string, string?>
        {
            ["Runtime:ListenTcp"] = "false",
            ["Runtime:UnixSocket"] = socket,
            ["Runtime:SqlitePath"] = sqlitePath,
            ["Runtime:SigningKey"] = signingKey,
            ["Runtime:CredentialKey"] = credentialKey,
            ["Runtime:OrchestratorKeys:0"] = orchestratorKey,
            ["Logging:LogLevel:Default"] = "Warning",
            ["Logging:LogLevel:Microsoft.Hosting.Lifetime"] = "Warning",
        };

        // The client's first request compiled on the other core while this one builds and starts the runtime.
        var warmUp = ClientWarmUp.StartAsync(folder.FullName);
        var app = Program.CreateApp([], builder =>
        {
            builder.Configuration.AddInMemoryCollection(settings is null ? all : all.Concat(settings).ToDictionary());
            // The script's output owns the terminal: the embedded runtime only speaks up about problems.
            builder.Logging.ClearProviders();
            builder.Logging.AddConsole(o => o.LogToStandardErrorThreshold = LogLevel.Trace).AddFilter((_, level) => level >= LogLevel.Warning);
        });
        PhaseTimings.Mark("runtime-built");
        try
        {
            await app.StartAsync(cancellationToken);
            PhaseTimings.Mark("runtime-started");
            await warmUp;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            await app.DisposeAsync();
            await warmUp;
            folder.Delete(recursive: true);
            throw new IOException($"the embedded runtime could not start ({sqlitePath}): {e.Message}", e);
        }
        return new EmbeddedRuntime(app, folder, socket, orchestratorKey);
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await app.StopAsync();
        await app.DisposeAsync();
        try
        {
            folder.Delete(recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
