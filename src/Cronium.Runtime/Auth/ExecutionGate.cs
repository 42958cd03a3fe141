using Cronium.Runtime.Caching;
using Cronium.Runtime.Hosting;
using Cronium.Runtime.Storage;

namespace Cronium.Runtime.Auth;

/// <summary>
/// Is this execution still running? Asked on every script call, after the token's signature and lifetime check.
/// The shared cache may answer "running" only because completion overwrites that entry with the final status
/// before it reports success (see <see cref="RevokeAsync"/>); without a cache, storage answers every time.
/// The cache is asked in the call's one round trip (<see cref="RuntimeCache.LookUpCallAsync"/>), which also counts
/// the call for the rate limiter and fetches the entry the endpoint reads; what it learnt stays on the request as a
/// <see cref="CallLookup"/>.
/// A singleton: a call the cache answers (nearly all of them) makes no storage objects; storage is asked through the
/// request's own scope only when the cache cannot say.
/// </summary>
internal sealed class ExecutionGate(RuntimeCache cache, TimeProvider time, IOptions<RuntimeOptions> options)
{
    /// <summary>How long a rate window's counter lives in the cache: its own second and the next.</summary>
    private static readonly TimeSpan RateKeyLifetime = TimeSpan.FromSeconds(2);

    /// <summary>The status of the token's execution, or null when it does not exist.</summary>
    public async Task<string?> CheckAsync(HttpContext http, ValidatedToken token)
    {
        var (executionId, userId) = token.Caller;
        var key = token.Keys.State;
        var window = time.GetUtcNow().ToUnixTimeSeconds();
        var entryKey = http.GetEndpoint()?.Metadata.GetMetadata<ReadsCacheEntry>()?.KeyFor(http, executionId, userId);
        var found = await cache.LookUpCallAsync(key, token.Keys.RateWindow(window), entryKey, RateKeyLifetime);
        if (found is { } lookup)
        {
            http.Features.Set(new CallLookup(lookup.State, window, lookup.Calls, lookup.Generation, lookup.Entry));
            if (lookup.State is { } state) return state;
        }

        var stored = await http.RequestServices.GetRequiredService<ExecutionStore>().GetStateAsync(executionId, http.RequestAborted);
        if (stored is null) return null;
        // "running" only goes in if nothing is there yet, so it can never replace a revocation written meanwhile, and
        // only in the generation seen before the read, so it cannot land in a cache emptied after a revocation either.
        if (found is not null)
            await cache.FillAsync(key, stored.Status, TtlFor(stored.TokenExpiresAt), found.Value.Generation, onlyIfAbsent: stored.Status == ExecutionStore.Running);
        return stored.Status;
    }

    /// <summary>
    /// Records the final status where every instance looks first. False when a cache is configured but did not take
    /// it: the caller must not report the completion as done, since another instance could still see "running".
    /// </summary>
    public async Task<bool> RevokeAsync(string executionId, string status, long tokenExpiresAt)
    {
        if (!cache.Enabled) return true;
        return await cache.SetAsync(CacheKeys.ExecutionState(executionId), status, TtlFor(tokenExpiresAt), onlyIfAbsent: false, force: true);
    }

    /// <summary>An entry outlives the token it speaks for; after that the token's own expiry refuses it.</summary>
    private TimeSpan TtlFor(long tokenExpiresAtMs)
    {
        var remaining = Time.FromMs(tokenExpiresAtMs) - time.GetUtcNow() + TimeSpan.FromSeconds(options.Value.ClockSkewSeconds);
        return remaining < TimeSpan.Zero ? TimeSpan.FromMinutes(1) : remaining + TimeSpan.FromMinutes(1);
    }
}
