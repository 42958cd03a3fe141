using System.Collections.Concurrent;
using System.Security.Claims;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Cronium.Runtime.Auth;

/// <summary>
/// A script calls the runtime many times with one token; its signature, issuer, audience, type and algorithm
/// cannot change between calls, so a successful validation is remembered (by the exact token text) until the
/// token expires. Lifetime is still checked on every call, and whether the execution is running is never
/// cached here (the gate asks on every call). Failed validations are never remembered.
/// </summary>
internal sealed class ValidatedTokenCache : TokenHandler
{
    private const int Capacity = 10_000;
    private readonly JsonWebTokenHandler inner = new();
    private readonly ConcurrentDictionary<string, Entry> validated = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Entry>.AlternateLookup<ReadOnlySpan<char>> byText;
    private readonly TimeProvider time;

    public ValidatedTokenCache(TimeProvider time)
    {
        this.time = time;
        byText = validated.GetAlternateLookup<ReadOnlySpan<char>>();
    }

    /// <summary>
    /// The remembered token whose text this is, or null: the caller can hand it on instead of cutting a new string of
    /// its own out of the header, which was the largest string a call allocated.
    /// </summary>
    public string? Remembered(ReadOnlySpan<char> token) => byText.TryGetValue(token, out var text, out _) ? text : null;

    public override SecurityToken ReadToken(string token) => inner.ReadToken(token);

    public override async Task<TokenValidationResult> ValidateTokenAsync(string token, TokenValidationParameters validationParameters)
    {
        var now = time.GetUtcNow().UtcDateTime;
        if (validated.TryGetValue(token, out var entry))
        {
            if (now < entry.ValidTo + validationParameters.ClockSkew)
                return new TokenValidationResult
                {
                    IsValid = true,
                    SecurityToken = entry.Token,
                    ClaimsIdentity = entry.Identity.Clone(), // each request gets its own identity to add to
                    Issuer = entry.Token.Issuer,
                };
            validated.TryRemove(token, out _);
        }

        var result = await inner.ValidateTokenAsync(token, validationParameters);
        if (result.IsValid && result.SecurityToken is JsonWebToken jwt)
        {
            if (validated.Count >= Capacity) validated.Clear();
            validated[token] = new Entry(jwt, Kept(result.ClaimsIdentity), jwt.ValidTo);
        }
        return result;
    }

    /// <summary>
    /// Only the claims the runtime reads (<see cref="ExecutionTokenEvents"/>): each call clones what is remembered, and
    /// cloning the token's others too (issuer, audience, times, ids) was a tenth of what a getVariable allocated.
    /// </summary>
    private static ClaimsIdentity Kept(ClaimsIdentity identity) =>
        new CaseSensitiveClaimsIdentity(
            identity.Claims.Where(c => c.Type is ExecutionClaims.Subject or ExecutionClaims.UserId),
            identity.AuthenticationType, identity.NameClaimType, identity.RoleClaimType);

    private sealed record Entry(JsonWebToken Token, ClaimsIdentity Identity, DateTime ValidTo);
}
