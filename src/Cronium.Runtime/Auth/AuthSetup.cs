namespace Cronium.Runtime.Auth;

internal static class AuthSetup
{
    public static WebApplicationBuilder AddAuth(this WebApplicationBuilder builder)
    {
        builder.Services.AddSingleton<ExecutionTokens>();
        builder.Services.AddSingleton<ExecutionTokenValidator>();
        builder.Services.AddSingleton<ExecutionGate>();
        return builder;
    }

    /// <summary>Admits or refuses each call by the key its route takes; a route that names none is open.</summary>
    public static WebApplication UseCallerAuthentication(this WebApplication app)
    {
        app.UseMiddleware<CallerAuthentication>();
        return app;
    }

    /// <summary>Script routes: the execution token, the caller's execution must be the one in the path.</summary>
    public static RouteGroupBuilder RequireExecutionToken(this RouteGroupBuilder group) =>
        group.WithMetadata(RequiredKey.ExecutionToken);

    /// <summary>Orchestrator routes: a key from <c>Runtime:OrchestratorKeys</c>.</summary>
    public static RouteGroupBuilder RequireOrchestratorKey(this RouteGroupBuilder group) =>
        group.WithMetadata(RequiredKey.OrchestratorKey);
}

/// <summary>The key a route takes, as endpoint metadata; <see cref="CallerAuthentication"/> reads it.</summary>
internal sealed class RequiredKey
{
    public static readonly RequiredKey ExecutionToken = new();
    public static readonly RequiredKey OrchestratorKey = new();

    private RequiredKey() { }
}
