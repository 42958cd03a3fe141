namespace Cronium.Execution.Backends;

/// <summary>
/// Cronium could run an event on a remote server over SSH. Its runtime helpers cannot work there (the script would need
/// the runtime API and an execution token on the far side of the connection), so such a run is refused before anything
/// starts, with this reason and what to do instead, rather than run with helpers that fail one by one.
/// </summary>
public static class RemoteRuns
{
    public const string NotSupported =
        "running over SSH is not supported: the runtime helpers (input, output, getVariable, setVariable, setCondition, " +
        "event, tool actions) need the runtime API, which a script on a remote server cannot reach. Run the event here " +
        "(--backend process, or --backend docker to isolate it), or install cronium on that server and run it there; " +
        "see docs/troubleshooting.md, \"Events that ran over SSH\"";

    /// <summary>Cronium's event fields that sent a run to another server.</summary>
    public static readonly string[] EventFields = ["runLocation", "server", "servers", "serverId"];

    /// <summary><c>runLocation: local</c> (Cronium's default) changes nothing; every other value meant a remote server.</summary>
    public static bool IsLocal(string field, string? value) =>
        field == "runLocation" && string.Equals(value, "local", StringComparison.OrdinalIgnoreCase);
}
