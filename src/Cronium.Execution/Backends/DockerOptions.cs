using Cronium.Execution.Events;

namespace Cronium.Execution.Backends;

/// <summary>Runner images per language, and where the daemon is.</summary>
public sealed record DockerOptions
{
    public string Endpoint { get; init; } = Environment.GetEnvironmentVariable("DOCKER_HOST") is { Length: > 0 } host ? host : "unix:///var/run/docker.sock";
    public string BashImage { get; init; } = "cronium/runner-bash:latest";
    public string PythonImage { get; init; } = "cronium/runner-python:latest";
    public string NodeImage { get; init; } = "cronium/runner-node:latest";

    /// <summary>The network an event that asks for one joins; everything else runs with none.</summary>
    public string NetworkForEventsThatAsk { get; init; } = "bridge";

    /// <summary>
    /// What runner containers mount at /run/cronium, as the daemon names it: a volume holding the runtime's socket
    /// when the runtime itself runs in a container (its own path means nothing to the daemon). Null: the socket's folder.
    /// </summary>
    public string? SocketSource { get; init; }

    public string ImageFor(Language language) => language switch
    {
        Language.Bash => BashImage,
        Language.Python => PythonImage,
        _ => NodeImage,
    };
}
