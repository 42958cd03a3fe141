using System.Text.Encodings.Web;
using Cronium.Runtime.Hosting;
using Cronium.Runtime.Problems;
using Cronium.Runtime.Storage;
using Microsoft.AspNetCore.Authentication;
using Microsoft.IdentityModel.Tokens;

namespace Cronium.Runtime.Auth;

/// <summary>A valid signature is not enough: the execution must still be running, checked on every call.</summary>
internal sealed class ExecutionFinishedException(string status) : Exception($"The execution has ended ({status}).")
{
    public string Status { get; } = status;
}

/// <summary>
/// Script routes: the execution token, validated (or found among those validated before), then the gate asks whether
/// its execution still runs. In place of JwtBearer, which cloned its validation parameters, built event contexts
/// and copied the token out of the header on every call, for a token that only ever takes this one path.
/// </summary>
internal sealed class ExecutionTokenHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory logger,
    UrlEncoder encoder,
    ExecutionTokenValidator validations)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var presented = BearerToken.Span(Context);
        if (presented.IsEmpty) return Task.FromResult(AuthenticateResult.NoResult());
        return validations.Find(presented) is { } known ? AdmitAsync(known) : ValidateThenAdmitAsync(presented.ToString());
    }

    private async Task<AuthenticateResult> ValidateThenAdmitAsync(string token)
    {
        var (validated, failure) = await validations.ValidateAsync(token);
        return validated is null ? AuthenticateResult.Fail(failure!) : await AdmitAsync(validated);
    }

    private async Task<AuthenticateResult> AdmitAsync(ValidatedToken token)
    {
        var (executionId, userId) = token.Caller;
        var status = await Context.RequestServices.GetRequiredService<ExecutionGate>().CheckAsync(Context, executionId, userId);
        if (status is null) return AuthenticateResult.Fail("The token's execution does not exist.");
        if (status != ExecutionStore.Running) return AuthenticateResult.Fail(new ExecutionFinishedException(status));
        Context.Features.Set(token.Caller);
        return AuthenticateResult.Success(new AuthenticationTicket(token.Principal, Scheme.Name));
    }

    protected override async Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        var failure = (await HandleAuthenticateOnceSafeAsync()).Failure;
        var (status, code, detail) = failure switch
        {
            SecurityTokenExpiredException => (401, ProblemCodes.TokenExpired, "The execution token has expired."),
            ExecutionFinishedException f => (401, ProblemCodes.ExecutionFinished, $"The execution has ended ({f.Status}); its token is no longer accepted."),
            _ when IsOrchestratorKey() => (403, ProblemCodes.Forbidden, "Orchestrator keys cannot call script routes; use the execution's token."),
            null when !Request.Headers.Authorization.Any() => (401, ProblemCodes.InvalidToken, "An execution token is required (Authorization: Bearer <token>)."),
            _ => (401, ProblemCodes.InvalidToken, "The execution token is invalid."),
        };
        if (status == 401)
            Response.Headers.WWWAuthenticate = code == ProblemCodes.InvalidToken && failure is null ? "Bearer" : "Bearer error=\"invalid_token\"";
        await ProblemWriter.WriteAsync(Context, status, code, detail);
    }

    private bool IsOrchestratorKey() =>
        BearerToken.From(Context) is { } presented && Context.RequestServices.GetRequiredService<RuntimeKeys>().IsOrchestratorKey(presented);
}

internal static class BearerToken
{
    private const string Prefix = "Bearer ";

    public static string? From(HttpContext http) => Span(http) is { IsEmpty: false } token ? token.ToString() : null;

    /// <summary>The token in <c>Authorization: Bearer …</c>, without a string of its own; empty when none.</summary>
    public static ReadOnlySpan<char> Span(HttpContext http)
    {
        var header = http.Request.Headers.Authorization;
        if (header.Count != 1 || header[0] is not { } value || !value.StartsWith(Prefix, StringComparison.OrdinalIgnoreCase)) return default;
        return value.AsSpan(Prefix.Length).Trim();
    }
}
