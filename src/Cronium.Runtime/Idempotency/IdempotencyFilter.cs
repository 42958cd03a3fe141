using Cronium.Runtime.Auth;
using Cronium.Runtime.Json;
using Cronium.Runtime.Problems;
using Cronium.Runtime.Storage;
using Microsoft.AspNetCore.Http.Json;

namespace Cronium.Runtime.Idempotency;

/// <summary>
/// What an endpoint does differently on a replay: how its answer is kept and answered again when it must not be
/// stored as is (a token), and what its first attempt may have left undone after the commit (a cache step that
/// failed with storage), redone before any replayed answer.
/// </summary>
internal sealed record IdempotentReplay(
    Func<object?, object?>? ToStored = null,
    Func<HttpContext, string, CancellationToken, Task<IResult>>? AnswerAsync = null,
    Func<HttpContext, CancellationToken, Task>? RedoAfterCommitAsync = null);

internal enum IdempotencyMode
{
    /// <summary>The write and the record of its answer commit in one transaction: exactly one effect, even across a crash.</summary>
    Atomic,

    /// <summary>
    /// For a call that leaves the runtime (a tool action): the key is claimed in a short transaction of its own, the
    /// call runs outside any transaction (a slow provider holds no connection and blocks no writer), and the answer is
    /// recorded after. A retry while the first still runs is 409 <c>idempotency_in_progress</c>.
    /// </summary>
    ClaimFirst,
}

internal sealed class IdempotencyFilter(IdempotentReplay? replay, IdempotencyMode mode) : IEndpointFilter
{
    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        if (!http.Request.Headers.TryGetValue(IdempotencySetup.Header, out var values)) return await next(context);

        var key = values.ToString();
        if (key.Length is < 1 or > 255 || key.Any(c => c is < '!' or > '~'))
            throw ApiProblem.Validation(IdempotencySetup.Header, "'Idempotency-Key' must be 1 to 255 visible ASCII characters.");

        var request = new Claim(
            http,
            http.RequestServices.GetRequiredService<DbScope>(),
            http.RequestServices.GetRequiredService<IdempotencyStore>(),
            http.Features.Get<ExecutionCaller>() is { } caller ? "execution:" + caller.ExecutionId : "orchestrator",
            key,
            $"{http.Request.Method} {http.Request.Path} {http.Items[JsonBody.HashItem] as string}",
            Time.ToMs(http.RequestServices.GetRequiredService<TimeProvider>().GetUtcNow()));
        return mode == IdempotencyMode.Atomic ? await AtomicAsync(context, next, request) : await ClaimFirstAsync(context, next, request);
    }

    private async Task<object?> AtomicAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next, Claim c)
    {
        var cancellationToken = c.Http.RequestAborted;
        await c.Db.BeginAsync(cancellationToken);
        try
        {
            if (await c.Store.ClaimAsync(c.Scope, c.Key, c.Hash, c.Now, cancellationToken) is { } earlier)
            {
                await c.Db.RollbackAsync();
                return await AnswerEarlierAsync(c, earlier);
            }

            var result = await next(context);
            if (Success(c.Http, result) is { } success)
            {
                await c.Store.SaveAsync(c.Scope, c.Key, success.Status, success.Body, cancellationToken);
                await c.Db.CommitAsync(cancellationToken);
            }
            else
            {
                await c.Db.RollbackAsync();
            }
            return result;
        }
        catch
        {
            await c.Db.RollbackAsync();
            throw;
        }
    }

    private async Task<object?> ClaimFirstAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next, Claim c)
    {
        var cancellationToken = c.Http.RequestAborted;
        if (await c.Store.ClaimAsync(c.Scope, c.Key, c.Hash, c.Now, cancellationToken) is { } earlier)
        {
            var abandoned = earlier.InProgress && earlier.RequestHash == c.Hash && c.Now - earlier.CreatedAt > IdempotencySetup.AbandonedClaim.TotalMilliseconds;
            if (!abandoned || !await c.Store.TakeOverAsync(c.Scope, c.Key, c.Hash, earlier.CreatedAt, c.Now, cancellationToken))
                return await AnswerEarlierAsync(c, earlier);
        }

        object? result;
        try
        {
            result = await next(context);
        }
        catch
        {
            await c.Store.ReleaseAsync(c.Scope, c.Key);
            throw;
        }
        if (Success(c.Http, result) is { } success) await c.Store.SaveAsync(c.Scope, c.Key, success.Status, success.Body, CancellationToken.None);
        else await c.Store.ReleaseAsync(c.Scope, c.Key);
        return result;
    }

    private async Task<object?> AnswerEarlierAsync(Claim c, IdempotencyRow earlier)
    {
        if (earlier.RequestHash != c.Hash)
            return ApiProblem.Create(StatusCodes.Status422UnprocessableEntity, ProblemCodes.IdempotencyConflict,
                "This Idempotency-Key was already used with a different request; use a new key for a new request.");
        if (earlier.InProgress)
            throw new ApiProblemException(StatusCodes.Status409Conflict, ProblemCodes.IdempotencyInProgress,
                "The first request with this Idempotency-Key is still running; retry after it ends to get its answer.")
            { RetryAfter = TimeSpan.FromSeconds(1) };
        if (replay?.RedoAfterCommitAsync is { } redo) await redo(c.Http, c.Http.RequestAborted);
        c.Http.Response.Headers[IdempotencySetup.ReplayedHeader] = "true";
        if (earlier.ResponseBody is null) return TypedResults.StatusCode(earlier.StatusCode);
        if (replay?.AnswerAsync is { } answer) return await answer(c.Http, earlier.ResponseBody, c.Http.RequestAborted);
        return TypedResults.Content(earlier.ResponseBody, "application/json", statusCode: earlier.StatusCode);
    }

    /// <summary>A 2xx answer and what to keep of it; handlers answer with Results&lt;...&gt; unions, the outcome is the result inside.</summary>
    private (int Status, string? Body)? Success(HttpContext http, object? result)
    {
        var outcome = result is INestedHttpResult nested ? nested.Result : result;
        if (outcome is not IStatusCodeHttpResult { StatusCode: >= 200 and < 300 } success) return null;
        var value = outcome is IValueHttpResult v ? (replay?.ToStored ?? (x => x))(v.Value) : null;
        var options = http.RequestServices.GetRequiredService<IOptions<JsonOptions>>().Value.SerializerOptions;
        return (success.StatusCode ?? 200, value is null ? null : JsonSerializer.Serialize(value, options.GetTypeInfo(value.GetType())));
    }

    private sealed record Claim(HttpContext Http, DbScope Db, IdempotencyStore Store, string Scope, string Key, string Hash, long Now);
}
