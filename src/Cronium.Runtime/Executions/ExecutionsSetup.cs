using Cronium.Runtime.Json;

namespace Cronium.Runtime.Executions;

internal static class ExecutionsSetup
{
    /// <summary>The executions routes' services: their bodies' JSON contracts (the routes themselves are mapped by <c>MapExecutions</c>).</summary>
    public static WebApplicationBuilder AddExecutions(this WebApplicationBuilder builder) => builder.AddJsonContracts(ExecutionsJson.Default);
}
