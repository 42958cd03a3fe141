namespace Cronium.Runtime.Idempotency;

internal static class IdempotencySetup
{
    public const string Header = "Idempotency-Key";
    public const string ReplayedHeader = "Idempotent-Replayed";

    /// <summary>A claim older than this belongs to a request that died: no send lasts this long (they are bounded at 30 s).</summary>
    public static readonly TimeSpan AbandonedClaim = TimeSpan.FromMinutes(2);

    /// <summary>
    /// With an <c>Idempotency-Key</c>, a retry replays the first answer and has no second effect; the same key with
    /// another body is 422. Only successes are remembered: a refused request can be corrected and retried.
    /// </summary>
    public static RouteHandlerBuilder WithIdempotency(this RouteHandlerBuilder route, IdempotentReplay? replay = null, IdempotencyMode mode = IdempotencyMode.Atomic) =>
        route.AddEndpointFilter(new IdempotencyFilter(replay, mode));
}
