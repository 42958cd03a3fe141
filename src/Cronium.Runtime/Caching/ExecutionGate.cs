using Cronium.Runtime.Hosting;
using Cronium.Runtime.Storage;
using Microsoft.Extensions.Options;

namespace Cronium.Runtime.Caching;

/// <summary>
/// Is this execution still running? Asked on every script call, after the token's signature and lifetime check.
/// The shared cache may answer "running" only because completion overwrites that entry with the final status
/// before it reports success (see <see cref="RevokeAsync"/>); without a cache, storage answers every time.
/// </summary>
internal sealed class ExecutionGate(RuntimeCache cache, ExecutionStore store, TimeProvider time, IOptions<RuntimeOptions> options)
{
    /// <summary>The execution's status, or null when it does not exist.</summary>
    public async Task<string?> GetStatusAsync(string executionId, CancellationToken cancellationToken)
    {
        var key = CacheKeys.ExecutionState(executionId);
        if (await cache.GetAsync(key) is { } cached) return cached;

        var state = await store.GetStateAsync(executionId, cancellationToken);
        if (state is null) return null;
        // "running" only goes in if nothing is there yet, so it can never replace a revocation written meanwhile.
        await cache.SetAsync(key, state.Status, TtlFor(state.TokenExpiresAt), onlyIfAbsent: state.Status == ExecutionStore.Running);
        return state.Status;
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
