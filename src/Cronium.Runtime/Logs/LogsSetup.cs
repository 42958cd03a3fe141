using Cronium.Runtime.Json;

namespace Cronium.Runtime.Logs;

internal static class LogsSetup
{
    /// <summary>The logs routes' services: their bodies' JSON contracts (the routes themselves are mapped by <c>MapLogs</c>).</summary>
    public static WebApplicationBuilder AddLogs(this WebApplicationBuilder builder) => builder.AddJsonContracts(LogsJson.Default);
}
