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
    private DockerBackend? docker;

    private RuntimeSession(EmbeddedRuntime? embedded, RuntimeClient? remote, RuntimeEndpoint endpoint)
    {
        this.embedded = embedded;
        this.remote = remote;
        Endpoint = endpoint;
    }

    public RuntimeClient Client => embedded?.Client ?? remote!;

    public RuntimeEndpoint Endpoint { get; }

    public static async Task<RuntimeSession> OpenAsync(RuntimeTarget target, CancellationToken cancellationToken)
    {
        if (target.Url is null)
        {
            var embedded = await EmbeddedRuntime.StartAsync(null, cancellationToken);
            return new RuntimeSession(embedded, null, new RuntimeEndpoint("unix://" + embedded.SocketPath, embedded.SocketPath));
        }
        var client = new RuntimeClient(target.Url, target.Key!);
        var socket = target.Url.StartsWith("unix://", StringComparison.Ordinal) ? target.Url["unix://".Length..] : null;
        return new RuntimeSession(null, client, new RuntimeEndpoint(target.Url, socket));
    }

    /// <summary>The backend a run uses; the docker one first removes containers a crashed run left.</summary>
    public async Task<IExecutionBackend> BackendAsync(string name, CancellationToken cancellationToken)
    {
        if (name != "docker") return new ProcessBackend(HelperPaths.Locate());
        docker = new DockerBackend();
        await docker.RemoveLeftoversAsync(cancellationToken);
        return docker;
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
