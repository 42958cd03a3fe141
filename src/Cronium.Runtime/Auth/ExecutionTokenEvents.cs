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

internal sealed class ExecutionTokenEvents(ValidatedTokenCache validations) : JwtBearerEvents
{
    /// <summary>A token validated before is passed on as the string already remembered; JwtBearer would cut a new one.</summary>
    public override Task MessageReceived(MessageReceivedContext context)
    {
        if (BearerToken.Span(context.HttpContext) is { IsEmpty: false } presented) context.Token = validations.Remembered(presented);
        return Task.CompletedTask;
    }

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
    private const string Prefix = "Bearer ";

    public static string? From(HttpContext http) => Span(http) is { IsEmpty: false } token ? token.ToString() : null;

    /// <summary>The token in <c>Authorization: Bearer …</c>, as JwtBearer reads it, without a string of its own; empty when none.</summary>
    public static ReadOnlySpan<char> Span(HttpContext http)
    {
        var header = http.Request.Headers.Authorization;
        if (header.Count != 1 || header[0] is not { } value || !value.StartsWith(Prefix, StringComparison.OrdinalIgnoreCase)) return default;
        return value.AsSpan(Prefix.Length).Trim();
    }
}
