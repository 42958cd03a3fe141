namespace Cronium.Runtime.Caching;

/// <summary>Valkey key names. User ids may contain ':', so they are length-prefixed to keep keys unambiguous.</summary>
internal static class CacheKeys
{
    public static string ExecutionState(string executionId) => $"cronium:exec:{executionId}:state";

    public static string ExecutionInput(string executionId) => $"cronium:exec:{executionId}:input";

    public static string Variable(string userId, string key) => $"cronium:var:{userId.Length}:{userId}:{key}";

    public static string RateWindow(string executionId, long window) => $"cronium:rate:{executionId}:{window}";
}
