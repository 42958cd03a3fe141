using Cronium.Execution.Events;

namespace Cronium.Execution.Backends;

/// <summary>Where a job reaches the runtime: the API address for a local process, the socket for a container.</summary>
public sealed record RuntimeEndpoint(string ApiUrl, string? SocketPath);

public sealed record BackendRequest(EventDefinition Event, string ExecutionId, string Token, RuntimeEndpoint Runtime, IReadOnlyDictionary<string, string> ExtraEnvironment);

public enum Termination { Exited, TimedOut, Cancelled }

/// <summary>How the job ended. <see cref="Error"/> says why when it was not the script's own exit (a limit, a kill).</summary>
public sealed record BackendResult(int? ExitCode, Termination Termination, string? Error = null)
{
    /// <summary>
    /// What the backend still does once the job has ended (docker: removing the container and its work folder). The
    /// runner completes the execution meanwhile and awaits this before it returns, so nothing outlives the run.
    /// </summary>
    public Task Cleanup { get; init; } = Task.CompletedTask;
}

public enum OutputStream { Stdout, Stderr }

/// <summary>Receives the job's output as it comes, in chunks (not only whole lines: a progress bar shows live too).</summary>
public interface IOutputSink
{
    void Write(OutputStream stream, string text);
}

public interface IExecutionBackend
{
    string Name { get; }

    Task<BackendResult> RunAsync(BackendRequest request, IOutputSink output, CancellationToken cancellationToken);
}

/// <summary>Where the helpers live: beside the program (shipped with the CLI) or in the source tree.</summary>
public sealed class HelperPaths(string root)
{
    public string Root { get; } = root;
    public string BashScript => Path.Combine(Root, "bash", "cronium.sh");
    public string PythonPreload => Path.Combine(Root, "python", "preload");
    public string NodePackage => Path.Combine(Root, "node");
    public string NodePreload => Path.Combine(Root, "node", "preload.cjs");

    public static HelperPaths Locate()
    {
        foreach (var start in new[] { AppContext.BaseDirectory, Directory.GetCurrentDirectory() })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                var candidate = Path.Combine(dir.FullName, "helpers");
                if (File.Exists(Path.Combine(candidate, "bash", "cronium.sh"))) return new HelperPaths(candidate);
            }
        }
        throw new DirectoryNotFoundException("The cronium helpers (helpers/bash/cronium.sh, ...) were not found beside the program or above the current folder.");
    }
}
