using System.Collections.Concurrent;
using Cronium.Runtime.Caching;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Cronium.Runtime.Auth;

/// <summary>
/// Validates execution tokens and remembers the ones that passed. A script calls the runtime many times with one
/// token; its signature, issuer, audience, type and algorithm cannot change between calls, so a successful validation
/// is remembered (by the exact token text) until the token expires. Lifetime is still checked on every call, and
/// whether the execution is running is never remembered here (the gate asks on every call). Failures are never
/// remembered.
/// </summary>
internal sealed class ExecutionTokenValidator
{
    private const int Capacity = 10_000;
    private readonly JsonWebTokenHandler handler = new();
    private readonly TokenValidationParameters parameters;
    private readonly ConcurrentDictionary<string, ValidatedToken> validated = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, ValidatedToken>.AlternateLookup<ReadOnlySpan<char>> byText;
    private readonly TimeProvider time;

    public ExecutionTokenValidator(ExecutionTokens tokens, TimeProvider time)
    {
        // One set of parameters for the process: nothing here changes them, so no call needs a copy of its own.
        parameters = tokens.ValidationParameters();
        this.time = time;
        byText = validated.GetAlternateLookup<ReadOnlySpan<char>>();
    }

    /// <summary>
    /// The remembered validation of this token text, while the token's lifetime lasts; null otherwise. Looked up by
    /// span, so a call with a token seen before allocates no string for it.
    /// </summary>
    public ValidatedToken? Find(ReadOnlySpan<char> token)
    {
        if (!byText.TryGetValue(token, out var text, out var known)) return null;
        if (time.GetUtcNow().UtcDateTime < known.ValidTo + parameters.ClockSkew) return known;
        // Expired: forgotten, so that the full validation says why it is refused.
        validated.TryRemove(text, out _);
        return null;
    }

    /// <summary>Signature, issuer, audience, type, algorithm and lifetime; then the claims the runtime needs.</summary>
    public async Task<(ValidatedToken? Token, Exception? Failure)> ValidateAsync(string token)
    {
        var result = await handler.ValidateTokenAsync(token, parameters);
        if (!result.IsValid || result.SecurityToken is not JsonWebToken jwt)
            return (null, result.Exception ?? new SecurityTokenValidationException("The execution token is invalid."));
        if (!jwt.TryGetPayloadValue<string>(ExecutionClaims.Subject, out var executionId) || string.IsNullOrEmpty(executionId)
            || !jwt.TryGetPayloadValue<string>(ExecutionClaims.UserId, out var userId) || string.IsNullOrEmpty(userId))
            return (null, new SecurityTokenValidationException("The token names no execution."));

        var remembered = new ValidatedToken(new ExecutionCaller(executionId, userId), jwt.ValidTo);
        if (validated.Count >= Capacity) validated.Clear();
        validated[token] = remembered;
        return (remembered, null);
    }
}

/// <summary>A token that passed validation: who it speaks for, and until when.</summary>
internal sealed record ValidatedToken(ExecutionCaller Caller, DateTime ValidTo)
{
    /// <summary>The cache keys each of this token's calls names, made once rather than on every call.</summary>
    public ExecutionKeys Keys { get; } = new(Caller.ExecutionId);
}
