using Cronium.Runtime.Auth;
using Cronium.Runtime.Caching;
using Cronium.Runtime.Hosting;
using Cronium.Runtime.Idempotency;
using Cronium.Runtime.Json;
using Cronium.Runtime.Problems;
using Cronium.Runtime.Scripts;
using Cronium.Runtime.Storage;

namespace Cronium.Runtime.Executions;

/// <summary>What a running script reads and writes about its own execution: input, output, condition, its event.</summary>
internal static class ExecutionDataApi
{
    public static RouteGroupBuilder MapExecutionData(this IEndpointRouteBuilder app)
    {
        var group = app.MapScriptGroup();

        group.MapGet("/input", GetInput).WithName("getInput").WithMetadata(InputRead);
        group.MapPut("/output", SetOutput).WithName("setOutput").WithIdempotency();
        group.MapGet("/condition", GetCondition).WithName("getCondition");
        group.MapPut("/condition", SetCondition).WithName("setCondition").WithIdempotency();
        group.MapGet("/event", GetEvent).WithName("getEvent");
        return group;
    }

    private static async Task<Ok<DataEnvelope>> GetInput(HttpContext http, ExecutionStore store, RuntimeCache cache, IOptions<CacheOptions> cacheOptions, CancellationToken cancellationToken)
    {
        var caller = ExecutionCaller.From(http);
        var key = CacheKeys.ExecutionInput(caller.ExecutionId);
        // Input never changes after creation, so a cached copy is always right. Entries: "n" (no input) or "j" + JSON,
        // usually brought by the call's one round trip with the gate (see CallLookup).
        var hit = CallLookup.From(http) is { } fetched ? fetched.Entry : await cache.GetRawAsync(key);
        if (!hit.IsNullOrEmpty)
        {
            ReadOnlyMemory<byte> bytes = (byte[])hit!;
            return TypedResults.Ok(new DataEnvelope(bytes.Span[0] == 'n' ? RawJson.Null : new RawJson(bytes[1..])));
        }

        var input = await store.GetInputAsync(caller.ExecutionId, cancellationToken);
        if (input is null || input.Length <= MaxCachedInputChars)
            await cache.SetAsync(key, input is null ? "n" : "j" + input, TimeSpan.FromSeconds(cacheOptions.Value.TtlSeconds), onlyIfAbsent: true);
        return TypedResults.Ok(new DataEnvelope(RawJson.OrNull(input)));
    }

    private const int MaxCachedInputChars = 256 * 1024;

    /// <summary>The cache key getInput fetches in its call's one round trip.</summary>
    private static readonly ReadsCacheEntry InputRead = new((_, executionId, _) => CacheKeys.ExecutionInput(executionId));

    private static async Task<Results<NoContent, ProblemHttpResult>> SetOutput(
        HttpContext http, SetDataRequest request, ExecutionStore store, IOptions<LimitsOptions> limits, CancellationToken cancellationToken)
    {
        var caller = ExecutionCaller.From(http);
        var size = JsonBody.SizeOf(request.Data);
        if (size > limits.Value.MaxDataBytes) throw ApiProblem.TooLarge("'data'", limits.Value.MaxDataBytes, size);
        return await store.SetOutputAsync(caller.ExecutionId, request.Data.GetRawText(), cancellationToken)
            ? TypedResults.NoContent()
            : EndedMeanwhile();
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> SetCondition(
        HttpContext http, SetConditionRequest request, ExecutionStore store, CancellationToken cancellationToken) =>
        await store.SetConditionAsync(ExecutionCaller.From(http).ExecutionId, request.Condition, cancellationToken)
            ? TypedResults.NoContent()
            : EndedMeanwhile();

    /// <summary>Lets a script read back what it set (Cronium's <c>getCondition</c>): the store is the truth, as for ON_CONDITION.</summary>
    private static async Task<Ok<ConditionState>> GetCondition(HttpContext http, ExecutionStore store, CancellationToken cancellationToken) =>
        TypedResults.Ok(new ConditionState((await Row(http, store, cancellationToken)).Condition));

    private static async Task<Ok<ExecutionEvent>> GetEvent(HttpContext http, ExecutionStore store, CancellationToken cancellationToken)
        => TypedResults.Ok(ExecutionEvent.From(await Row(http, store, cancellationToken)));

    private static async Task<ExecutionRow> Row(HttpContext http, ExecutionStore store, CancellationToken cancellationToken) =>
        await store.GetAsync(ExecutionCaller.From(http).ExecutionId, cancellationToken)
            ?? throw new InvalidOperationException("A valid token named an execution that does not exist.");

    /// <summary>The execution completed between the token check and this write: the write is refused, not lost silently.</summary>
    private static ProblemHttpResult EndedMeanwhile() =>
        ApiProblem.Create(StatusCodes.Status401Unauthorized, ProblemCodes.ExecutionFinished, "The execution has ended; its token is no longer accepted.");
}
