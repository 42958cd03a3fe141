using Cronium.Runtime.Json;

namespace Cronium.Runtime.Variables;

internal static class VariablesSetup
{
    public static WebApplicationBuilder AddVariables(this WebApplicationBuilder builder)
    {
        builder.Services.AddScoped<VariableService>();
        builder.Services.AddSingleton<KeyTurns>();
        return builder.AddJsonContracts(VariablesJson.Default);
    }
}
