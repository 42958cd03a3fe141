using Cronium.Service.Hosting;

namespace Cronium.Service.Workers;

/// <summary>
/// The backend this instance's runs use (<c>Runtime:Workers:Backend</c>). The process backend gives scripts a
/// minimal environment, never the service's own (its settings and secrets may be in it); the docker backend
/// removes what an earlier instance on this machine left, once.
/// </summary>
internal sealed class WorkerBackends(IOptions<WorkerOptions> options) : IDisposable
{
    private readonly SemaphoreSlim gate = new(1, 1);
    private IExecutionBackend? backend;

    public async Task<IExecutionBackend> GetAsync(CancellationToken cancellationToken)
    {
        if (backend is not null) return backend;
        await gate.WaitAsync(cancellationToken);
        try
        {
            if (backend is not null) return backend;
            if (options.Value.Backend == "docker")
            {
                var docker = new DockerBackend(new DockerOptions { SocketSource = options.Value.DockerSocketVolume is { Length: > 0 } volume ? volume : null });
                await docker.RemoveLeftoversAsync(cancellationToken);
                backend = docker;
            }
            else
            {
                backend = new ProcessBackend(HelperPaths.Locate(), inheritEnvironment: false);
            }
            return backend;
        }
        finally
        {
            gate.Release();
        }
    }

    public void Dispose()
    {
        (backend as IDisposable)?.Dispose();
        gate.Dispose();
    }
}
