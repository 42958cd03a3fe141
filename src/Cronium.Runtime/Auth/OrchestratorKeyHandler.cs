using System.Security.Claims;
using System.Text.Encodings.Web;
using Cronium.Runtime.Hosting;
using Cronium.Runtime.Problems;
using Microsoft.AspNetCore.Authentication;

namespace Cronium.Runtime.Auth;

/// <summary>Orchestrator routes: a bearer key from <c>Runtime:OrchestratorKeys</c>, compared in constant time.</summary>
internal sealed class OrchestratorKeyHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory logger,
    UrlEncoder encoder,
    RuntimeKeys keys,
    ExecutionTokenValidator executionTokens)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    private static readonly ClaimsPrincipal Orchestrator =
        new(new ClaimsIdentity([new Claim(ClaimTypes.Role, "orchestrator")], AuthSetup.OrchestratorScheme));

    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var presented = BearerToken.From(Context);
        if (presented is null) return Task.FromResult(AuthenticateResult.NoResult());
        return Task.FromResult(keys.IsOrchestratorKey(presented)
            ? AuthenticateResult.Success(new AuthenticationTicket(Orchestrator, Scheme.Name))
            : AuthenticateResult.Fail("Unknown orchestrator key."));
    }

    protected override async Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        var presented = BearerToken.From(Context);
        // A valid execution token is refused clearly rather than as an unknown key.
        if (presented is not null && (await executionTokens.ValidateAsync(presented)).Token is not null)
        {
            await ProblemWriter.WriteAsync(Context, 403, ProblemCodes.Forbidden, "Execution tokens cannot call orchestrator routes.");
            return;
        }
        Response.Headers.WWWAuthenticate = "Bearer";
        await ProblemWriter.WriteAsync(Context, 401, ProblemCodes.InvalidToken,
            presented is null ? "An orchestrator key is required (Authorization: Bearer <key>)." : "The orchestrator key is not valid.");
    }
}
