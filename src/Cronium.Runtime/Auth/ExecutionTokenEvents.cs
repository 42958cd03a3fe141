using Cronium.Runtime.Hosting;
using Cronium.Runtime.Problems;
using Cronium.Runtime.Storage;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.IdentityModel.Tokens;

namespace Cronium.Runtime.Auth;

/// <summary>A valid signature is not enough: the execution must still be running, checked on every call.</summary>
internal sealed class ExecutionFinishedException(string status) : Exception($"The execution has ended ({status}).")
{
    public string Status { get; } = status;
}

internal sealed class ExecutionTokenEvents : JwtBearerEvents
{
    public override async Task TokenValidated(TokenValidatedContext context)
    {
        var executionId = context.Principal?.FindFirst(ExecutionClaims.Subject)?.Value;
        var userId = context.Principal?.FindFirst(ExecutionClaims.UserId)?.Value;
        if (string.IsNullOrEmpty(executionId) || string.IsNullOrEmpty(userId))
        {
            context.Fail("The token names no execution.");
            return;
        }
        var gate = context.HttpContext.RequestServices.GetRequiredService<ExecutionGate>();
        var status = await gate.CheckAsync(context.HttpContext, executionId, userId);
        if (status is null)
            context.Fail("The token's execution does not exist.");
        else if (status != ExecutionStore.Running)
            context.Fail(new ExecutionFinishedException(status));
        else
            context.HttpContext.Features.Set(new ExecutionCaller(executionId, userId));
    }

    public override async Task Challenge(JwtBearerChallengeContext context)
    {
        context.HandleResponse();
        var http = context.HttpContext;
        var (status, code, detail) = context.AuthenticateFailure switch
        {
            SecurityTokenExpiredException => (401, ProblemCodes.TokenExpired, "The execution token has expired."),
            ExecutionFinishedException f => (401, ProblemCodes.ExecutionFinished, $"The execution has ended ({f.Status}); its token is no longer accepted."),
            _ when IsOrchestratorKey(http) => (403, ProblemCodes.Forbidden, "Orchestrator keys cannot call script routes; use the execution's token."),
            null when !http.Request.Headers.Authorization.Any() => (401, ProblemCodes.InvalidToken, "An execution token is required (Authorization: Bearer <token>)."),
            _ => (401, ProblemCodes.InvalidToken, "The execution token is invalid."),
        };
        if (status == 401)
            http.Response.Headers.WWWAuthenticate = code == ProblemCodes.InvalidToken && context.AuthenticateFailure is null
                ? "Bearer"
                : "Bearer error=\"invalid_token\"";
        await ProblemWriter.WriteAsync(http, status, code, detail);
    }

    private static bool IsOrchestratorKey(HttpContext http) =>
        BearerToken.From(http) is { } presented && http.RequestServices.GetRequiredService<RuntimeKeys>().IsOrchestratorKey(presented);
}

internal static class BearerToken
{
    public static string? From(HttpContext http)
    {
        var header = http.Request.Headers.Authorization.ToString();
        return header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) ? header["Bearer ".Length..].Trim() : null;
    }
}
