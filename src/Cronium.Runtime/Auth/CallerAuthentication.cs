using Cronium.Runtime.Hosting;
using Cronium.Runtime.Problems;
using Cronium.Runtime.Storage;
using Microsoft.IdentityModel.Tokens;

namespace Cronium.Runtime.Auth;

/// <summary>A valid signature is not enough: the execution must still be running, checked on every call.</summary>
internal sealed class ExecutionFinishedException(string status) : Exception($"The execution has ended ({status}).")
{
    public string Status { get; } = status;
}

/// <summary>
/// Admits a call by the key its route takes (<see cref="RequiredKey"/>), or answers the problem that says why not.
/// In place of ASP.NET Core's authentication and authorization, which on every script call made a handler, a
/// ticket, a merged principal, a policy evaluation and their results (a sixth of what getVariable allocated) to
/// reach the one decision made here. Script routes: the execution token, validated (or found among those validated
/// before), then the gate asks whether its execution still runs, then the path must name that execution.
/// Orchestrator routes: a key from <c>Runtime:OrchestratorKeys</c>, compared in constant time.
/// Runs after routing and before the endpoint, so a refused call is never bound, validated or counted by a filter.
/// </summary>
internal sealed class CallerAuthentication(RequestDelegate next, ExecutionTokenValidator tokens, ExecutionGate gate, RuntimeKeys keys)
{
    public Task InvokeAsync(HttpContext http)
    {
        var required = http.GetEndpoint()?.Metadata.GetMetadata<RequiredKey>();
        if (required is null) return next(http);
        return required == RequiredKey.ExecutionToken ? ScriptCallAsync(http) : OrchestratorCallAsync(http);
    }

    private Task ScriptCallAsync(HttpContext http)
    {
        var presented = BearerToken.Span(http);
        if (presented.IsEmpty) return RefuseScriptCallAsync(http, null);
        return tokens.Find(presented) is { } known ? AdmitAsync(http, known) : ValidateThenAdmitAsync(http, presented.ToString());
    }

    private async Task ValidateThenAdmitAsync(HttpContext http, string token)
    {
        var (validated, failure) = await tokens.ValidateAsync(token);
        await (validated is null ? RefuseScriptCallAsync(http, failure) : AdmitAsync(http, validated));
    }

    private async Task AdmitAsync(HttpContext http, ValidatedToken token)
    {
        var status = await gate.CheckAsync(http, token);
        if (status != ExecutionStore.Running)
        {
            await RefuseScriptCallAsync(http, status is null
                ? new SecurityTokenValidationException("The token's execution does not exist.")
                : new ExecutionFinishedException(status));
            return;
        }
        http.Features.Set(token.Caller);
        // A token is for one execution: the path must name that execution.
        if (!string.Equals(http.Request.RouteValues["executionId"] as string, token.Caller.ExecutionId, StringComparison.OrdinalIgnoreCase))
        {
            await ProblemWriter.WriteAsync(http, StatusCodes.Status403Forbidden, ProblemCodes.ExecutionMismatch,
                "This token belongs to another execution than the one in the path.");
            return;
        }
        await next(http);
    }

    private Task RefuseScriptCallAsync(HttpContext http, Exception? failure)
    {
        var (status, code, detail) = failure switch
        {
            SecurityTokenExpiredException => (401, ProblemCodes.TokenExpired, "The execution token has expired."),
            ExecutionFinishedException f => (401, ProblemCodes.ExecutionFinished, $"The execution has ended ({f.Status}); its token is no longer accepted."),
            _ when BearerToken.From(http) is { } presented && keys.IsOrchestratorKey(presented) =>
                (403, ProblemCodes.Forbidden, "Orchestrator keys cannot call script routes; use the execution's token."),
            null when http.Request.Headers.Authorization.Count == 0 =>
                (401, ProblemCodes.InvalidToken, "An execution token is required (Authorization: Bearer <token>)."),
            _ => (401, ProblemCodes.InvalidToken, "The execution token is invalid."),
        };
        if (status == 401)
            http.Response.Headers.WWWAuthenticate = code == ProblemCodes.InvalidToken && failure is null ? "Bearer" : "Bearer error=\"invalid_token\"";
        return ProblemWriter.WriteAsync(http, status, code, detail);
    }

    private Task OrchestratorCallAsync(HttpContext http)
    {
        var presented = BearerToken.From(http);
        return presented is not null && keys.IsOrchestratorKey(presented) ? next(http) : RefuseOrchestratorCallAsync(http, presented);
    }

    private async Task RefuseOrchestratorCallAsync(HttpContext http, string? presented)
    {
        // A valid execution token is refused clearly rather than as an unknown key.
        if (presented is not null && (await tokens.ValidateAsync(presented)).Token is not null)
        {
            await ProblemWriter.WriteAsync(http, StatusCodes.Status403Forbidden, ProblemCodes.Forbidden, "Execution tokens cannot call orchestrator routes.");
            return;
        }
        http.Response.Headers.WWWAuthenticate = "Bearer";
        await ProblemWriter.WriteAsync(http, StatusCodes.Status401Unauthorized, ProblemCodes.InvalidToken,
            presented is null ? "An orchestrator key is required (Authorization: Bearer <key>)." : "The orchestrator key is not valid.");
    }
}
