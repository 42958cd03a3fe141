namespace Cronium.Runtime.Caching;

/// <summary>Valkey key names. User ids may contain ':', so they are length-prefixed to keep keys unambiguous.</summary>
internal static class CacheKeys
{
    public static string ExecutionState(string executionId) => $"cronium:exec:{executionId}:state";

    public static string ExecutionInput(string executionId) => $"cronium:exec:{executionId}:input";

    public static string Variable(string userId, string key) => $"cronium:var:{userId.Length}:{userId}:{key}";

    public static string RateWindow(string executionId, long window) => $"cronium:rate:{executionId}:{window}";
}

/// <summary>
/// One execution's keys, for a caller that names them on every call (the gate, per token): made once, and the rate
/// window's once a second, rather than a string or two per call.
/// </summary>
internal sealed class ExecutionKeys(string executionId)
{
    // Replaced whole, so a reader sees a window and its key together; calls racing at the turn of a second may each
    // make the new key, which costs a string and nothing else.
    private RateKey rate = new(-1, "");

    public string State { get; } = CacheKeys.ExecutionState(executionId);

    public string RateWindow(long window)
    {
        var known = Volatile.Read(ref rate);
        if (known.Window == window) return known.Key;
        var made = new RateKey(window, CacheKeys.RateWindow(executionId, window));
        Volatile.Write(ref rate, made);
        return made.Key;
    }

    private sealed record RateKey(long Window, string Key);
}
