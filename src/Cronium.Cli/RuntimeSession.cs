using Cronium.Execution;
using Cronium.Execution.Backends;
using Cronium.Execution.Runtime;

namespace Cronium.Cli;

/// <summary>
/// The runtime a command talks to: the embedded one (in this process, on the SQLite default, on a private socket)
/// unless <c>--runtime</c> names one; and, for commands that run things, the backend they run on.
/// </summary>
internal sealed class RuntimeSession : IAsyncDisposable
{
    private readonly EmbeddedRuntime? embedded;
    private readonly RuntimeClient? remote;
    private readonly DockerBackend? docker;

    private readonly IExecutionBackend? backend;

    private RuntimeSession(EmbeddedRuntime? embedded, RuntimeClient? remote, RuntimeEndpoint endpoint, IExecutionBackend? backend)
    {
        this.embedded = embedded;
        this.remote = remote;
        this.backend = backend;
        Endpoint = endpoint;
        docker = backend as DockerBackend;
    }

    public RuntimeClient Client => embedded?.Client ?? remote!;

    public RuntimeEndpoint Endpoint { get; }

    /// <summary>The backend runs use: a local process, or docker (which first removes containers a crashed run left).</summary>
    public IExecutionBackend Backend => backend ?? throw new InvalidOperationException("This session was opened without a backend.");

    /// <summary>
    /// The runtime and the backend, made ready side by side: the docker backend's sweep of leftovers (a round trip
    /// to the daemon and its client's start-up) costs nothing while the embedded runtime starts.
    /// </summary>
    /// <param name="backendName"><c>process</c>, <c>docker</c>, or null for a command that runs nothing.</param>
    public static async Task<RuntimeSession> OpenAsync(RuntimeTarget target, CancellationToken cancellationToken, string? backendName = null)
    {
        var backend = backendName is null ? Task.FromResult<IExecutionBackend?>(null) : BackendAsync(backendName, cancellationToken);
        EmbeddedRuntime? embedded = null;
        RuntimeClient? remote = null;
        try
        {
            RuntimeEndpoint endpoint;
            if (target.Url is null)
            {
                embedded = await EmbeddedRuntime.StartAsync(null, cancellationToken);
                endpoint = new RuntimeEndpoint("unix://" + embedded.SocketPath, embedded.SocketPath);
            }
            else
            {
                remote = new RuntimeClient(target.Url, target.Key!);
                var socket = target.Url.StartsWith("unix://", StringComparison.Ordinal) ? target.Url["unix://".Length..] : null;
                endpoint = new RuntimeEndpoint(target.Url, socket);
            }
            return new RuntimeSession(embedded, remote, endpoint, await backend);
        }
        catch
        {
            // Whichever half failed, the other is not left running: the sweep ends, its client and the runtime go.
            await DisposeQuietlyAsync(backend);
            remote?.Dispose();
            if (embedded is not null) await embedded.DisposeAsync();
            throw;
        }
    }

    private static async Task DisposeQuietlyAsync(Task<IExecutionBackend?> backend)
    {
        try
        {
            (await backend as IDisposable)?.Dispose();
        }
        catch (Exception)
        {
            // The backend's own failure is not the one to report: the caller rethrows the first.
        }
    }

    private static async Task<IExecutionBackend?> BackendAsync(string name, CancellationToken cancellationToken)
    {
        if (name != "docker") return new ProcessBackend(HelperPaths.Locate());
        // Off the caller's thread at once: the docker client's set-up is synchronous work the runtime's start overlaps.
        await Task.Yield();
        var docker = new DockerBackend();
        try
        {
            await docker.RemoveLeftoversAsync(cancellationToken);
            return docker;
        }
        catch
        {
            docker.Dispose();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        docker?.Dispose();
        remote?.Dispose();
        if (embedded is not null) await embedded.DisposeAsync();
    }
}

/// <summary>Where the runtime is: nothing (the embedded default), or a URL and the orchestrator key to use there.</summary>
internal sealed record RuntimeTarget(string? Url, string? Key);
