using Cronium.Runtime.Audit;
using Cronium.Runtime.Auth;
using Cronium.Runtime.RateLimiting;
using Cronium.Runtime.Validation;

namespace Cronium.Runtime.Scripts;

internal static class ScriptRoutes
{
    /// <summary>
    /// The group every script-facing feature maps onto: the execution token (for this execution only), the
    /// per-execution rate limit, validation and the audit trail, applied once here.
    /// </summary>
    public static RouteGroupBuilder MapScriptGroup(this IEndpointRouteBuilder app) =>
        app.MapGroup("/v1/executions/{executionId}")
            .WithTags("Script")
            .RequireExecutionToken()
            .WithExecutionRateLimit()
            .WithValidation()
            .WithAudit();
}
