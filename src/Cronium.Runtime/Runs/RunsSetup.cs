using Cronium.Runtime.Json;

namespace Cronium.Runtime.Runs;

internal static class RunsSetup
{
    /// <summary>The runs routes' services: their bodies' JSON contracts (the routes themselves are mapped by <c>MapRuns</c>).</summary>
    public static WebApplicationBuilder AddRuns(this WebApplicationBuilder builder) => builder.AddJsonContracts(RunsJson.Default);
}
