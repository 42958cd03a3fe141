using Cronium.Runtime.Hosting;
using Cronium.Runtime.Storage;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Cronium.Runtime.Auth;

/// <summary>
/// Mints and describes execution tokens: HS256 pinned, explicit <c>typ</c>, <c>kid</c> for rotation,
/// subject = the execution. A token is a pure function of the execution's row, so an idempotent replay of
/// createExecution re-mints the same token instead of keeping it at rest.
/// </summary>
internal sealed class ExecutionTokens(RuntimeKeys keys, IOptions<RuntimeOptions> options)
{
    public const string TokenType = "cronium-execution+jwt";
    public const string Algorithm = SecurityAlgorithms.HmacSha256;

    private readonly JsonWebTokenHandler handler = new() { SetDefaultTimesOnTokenCreation = false };

    public string Mint(ExecutionRow row)
    {
        var issuedAt = Time.FromMs(row.StartedAt).UtcDateTime;
        return handler.CreateToken(new SecurityTokenDescriptor
        {
            Issuer = options.Value.Issuer,
            Audience = options.Value.Audience,
            TokenType = TokenType,
            IssuedAt = issuedAt,
            NotBefore = issuedAt,
            Expires = Time.FromMs(row.TokenExpiresAt).UtcDateTime,
            SigningCredentials = new SigningCredentials(keys.SigningKey, Algorithm),
            Claims = new Dictionary<string, object>
            {
                [ExecutionClaims.Subject] = row.Id,
                [ExecutionClaims.TokenId] = row.TokenId,
                [ExecutionClaims.UserId] = row.UserId,
                [ExecutionClaims.EventId] = row.EventId,
                [ExecutionClaims.JobId] = row.JobId,
            },
        });
    }

    public TokenValidationParameters ValidationParameters() => new()
    {
        ValidIssuer = options.Value.Issuer,
        ValidAudience = options.Value.Audience,
        ValidAlgorithms = [Algorithm],
        ValidTypes = [TokenType],
        IssuerSigningKeys = keys.ValidationKeys,
        TryAllIssuerSigningKeys = false,
        RequireSignedTokens = true,
        RequireExpirationTime = true,
        ValidateLifetime = true,
        ClockSkew = TimeSpan.FromSeconds(options.Value.ClockSkewSeconds),
    };
}

/// <summary>Claim names, read from the token's payload exactly as issued.</summary>
internal static class ExecutionClaims
{
    public const string Subject = "sub";
    public const string TokenId = "jti";
    public const string UserId = "userId";
    public const string EventId = "eventId";
    public const string JobId = "jobId";
}

/// <summary>The caller of a script route: who the token says it is.</summary>
internal sealed record ExecutionCaller(string ExecutionId, string UserId)
{
    public static ExecutionCaller From(HttpContext http) =>
        http.Features.Get<ExecutionCaller>() ?? throw new InvalidOperationException("Script route reached without an execution token.");
}
