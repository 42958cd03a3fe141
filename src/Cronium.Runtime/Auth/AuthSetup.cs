using Cronium.Runtime.Problems;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.DataProtection;

namespace Cronium.Runtime.Auth;

internal static class AuthSetup
{
    public const string ExecutionScheme = "ExecutionToken";
    public const string OrchestratorScheme = "OrchestratorKey";
    public const string ScriptPolicy = "Script";
    public const string OrchestratorPolicy = "Orchestrator";

    public static WebApplicationBuilder AddAuth(this WebApplicationBuilder builder)
    {
        builder.Services.AddSingleton<ExecutionTokens>();
        builder.Services.AddSingleton<ExecutionTokenValidator>();
        builder.Services.AddScoped<ExecutionGate>();
        // Nothing here uses cookies or antiforgery, so nothing uses ASP.NET's data protection; it stays in memory.
        builder.Services.AddDataProtection().UseEphemeralDataProtectionProvider();
        builder.Services.AddAuthentication()
            .AddScheme<AuthenticationSchemeOptions, ExecutionTokenHandler>(ExecutionScheme, null)
            .AddScheme<AuthenticationSchemeOptions, OrchestratorKeyHandler>(OrchestratorScheme, null);
        // Yet AddAuthentication also adds a hosted service that makes the key ring at start, the ephemeral provider
        // notwithstanding: a key written unencrypted to ~/.aspnet/DataProtection-Keys (with a warning) on every server,
        // and the XML it takes, loaded in every `cronium run`. Nothing reads that ring, so it is never made.
        foreach (var keyRingAtStart in builder.Services.Where(IsDataProtectionStart).ToList()) builder.Services.Remove(keyRingAtStart);
        builder.Services.AddAuthorizationBuilder()
            .AddPolicy(ScriptPolicy, p => p.AddAuthenticationSchemes(ExecutionScheme).RequireAuthenticatedUser())
            .AddPolicy(OrchestratorPolicy, p => p.AddAuthenticationSchemes(OrchestratorScheme).RequireAuthenticatedUser());
        return builder;
    }

    private static bool IsDataProtectionStart(ServiceDescriptor d) =>
        d.ServiceType == typeof(IHostedService)
        && d.ImplementationType?.FullName == "Microsoft.AspNetCore.DataProtection.Internal.DataProtectionHostedService";

    /// <summary>Script routes: the execution token, the caller's execution must be the one in the path.</summary>
    public static RouteGroupBuilder RequireExecutionToken(this RouteGroupBuilder group)
    {
        group.RequireAuthorization(ScriptPolicy).AddEndpointFilter<ExecutionScopeFilter>();
        return group;
    }

    public static RouteGroupBuilder RequireOrchestratorKey(this RouteGroupBuilder group) =>
        group.RequireAuthorization(OrchestratorPolicy);
}

/// <summary>A token is for one execution: the path must name that execution, else 403 <c>execution_mismatch</c>.</summary>
internal sealed class ExecutionScopeFilter : IEndpointFilter
{
    public ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        var caller = ExecutionCaller.From(http);
        var requested = http.Request.RouteValues["executionId"] as string;
        if (!string.Equals(requested, caller.ExecutionId, StringComparison.OrdinalIgnoreCase))
            return ValueTask.FromResult<object?>(ApiProblem.Create(StatusCodes.Status403Forbidden, ProblemCodes.ExecutionMismatch,
                "This token belongs to another execution than the one in the path."));
        return next(context);
    }
}
