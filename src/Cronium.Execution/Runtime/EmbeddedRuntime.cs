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
/// its orchestrator key for this process only. It runs in this process, or as a child process when the runtime's native
/// build is installed beside this program (<see cref="NativeRuntime"/>): the same settings, store and keys either way.
/// </summary>
public sealed class EmbeddedRuntime : IAsyncDisposable
{
    private readonly WebApplication? app;
    private readonly NativeRuntime? native;
    private readonly DirectoryInfo folder;

    private EmbeddedRuntime(WebApplication? app, NativeRuntime? native, DirectoryInfo folder, string socketPath, string orchestratorKey)
    {
        this.app = app;
        this.native = native;
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
        // Found first, so that a wrong CRONIUM_NATIVE_RUNTIME fails before anything is made.
        var nativePath = NativeRuntime.Locate();
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

        var merged = settings is null ? all : all.Concat(settings).ToDictionary();

        // The client's first request compiled on the other core while this one builds and starts the runtime.
        var warmUp = ClientWarmUp.StartAsync(folder.FullName);
        if (nativePath is not null) return await StartNativeAsync(nativePath, folder, socket, orchestratorKey, merged, warmUp, cancellationToken);

        var app = Program.CreateApp([], builder =>
        {
            builder.Configuration.AddInMemoryCollection(merged);
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
        return new EmbeddedRuntime(app, null, folder, socket, orchestratorKey);
    }

    private static async Task<EmbeddedRuntime> StartNativeAsync(string path, DirectoryInfo folder, string socket, string orchestratorKey,
        IDictionary<string, string?> settings, Task warmUp, CancellationToken cancellationToken)
    {
        try
        {
            PhaseTimings.Mark("runtime-built");
            var native = await NativeRuntime.StartAsync(path, socket, settings, cancellationToken);
            PhaseTimings.Mark("runtime-started");
            await warmUp;
            return new EmbeddedRuntime(null, native, folder, socket, orchestratorKey);
        }
        catch (Exception e)
        {
            await warmUp;
            folder.Delete(recursive: true);
            if (e is OperationCanceledException) throw;
            throw new IOException($"the embedded runtime could not start ({path}): {e.Message}", e);
        }
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        if (native is not null) await native.StopAsync();
        if (app is not null)
        {
            await app.StopAsync();
            await app.DisposeAsync();
        }
        try
        {
            folder.Delete(recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
