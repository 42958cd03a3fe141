using System.Text.Json;
using Cronium.Runtime.Auth;
using Cronium.Runtime.Json;
using Cronium.Runtime.Problems;
using Cronium.Runtime.Storage;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.Options;

namespace Cronium.Runtime.Idempotency;

/// <summary>How an endpoint's answer is kept and replayed when it must not be stored as is (a token).</summary>
internal sealed record IdempotentReplay(Func<object?, object?> ToStored, Func<HttpContext, string, CancellationToken, Task<IResult>> ReplayAsync);

internal static class IdempotencySetup
{
    public const string Header = "Idempotency-Key";
    public const string ReplayedHeader = "Idempotent-Replayed";

    /// <summary>
    /// With an <c>Idempotency-Key</c>, the write, and the record of its answer, commit in one transaction: a retry
    /// replays the answer and has no second effect; the same key with another body is 422.
    /// </summary>
    public static RouteHandlerBuilder WithIdempotency(this RouteHandlerBuilder route, IdempotentReplay? replay = null) =>
        route.AddEndpointFilter(new IdempotencyFilter(replay));
}

internal sealed class IdempotencyFilter(IdempotentReplay? replay) : IEndpointFilter
{
    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        if (!http.Request.Headers.TryGetValue(IdempotencySetup.Header, out var values)) return await next(context);

        var key = values.ToString();
        if (key.Length is < 1 or > 255 || key.Any(c => c is < '!' or > '~'))
            throw ApiProblem.Validation(IdempotencySetup.Header, "'Idempotency-Key' must be 1 to 255 visible ASCII characters.");

        var cancellationToken = http.RequestAborted;
        var db = http.RequestServices.GetRequiredService<DbScope>();
        var store = http.RequestServices.GetRequiredService<IdempotencyStore>();
        var now = Time.ToMs(http.RequestServices.GetRequiredService<TimeProvider>().GetUtcNow());
        var scope = http.Features.Get<ExecutionCaller>() is { } caller ? "execution:" + caller.ExecutionId : "orchestrator";
        var hash = $"{http.Request.Method} {http.Request.Path} {http.Items[JsonBody.HashItem] as string}";

        await db.BeginAsync(cancellationToken);
        try
        {
            if (await store.ClaimAsync(scope, key, hash, now, cancellationToken) is { } earlier)
            {
                await db.RollbackAsync();
                if (earlier.RequestHash != hash)
                    return ApiProblem.Create(StatusCodes.Status422UnprocessableEntity, ProblemCodes.IdempotencyConflict,
                        "This Idempotency-Key was already used with a different request; use a new key for a new request.");
                http.Response.Headers[IdempotencySetup.ReplayedHeader] = "true";
                return await ReplayAsync(http, earlier, cancellationToken);
            }

            var result = await next(context);
            // Handlers answer with Results<...> unions; the outcome is the result inside.
            var outcome = result is INestedHttpResult nested ? nested.Result : result;
            if (outcome is IStatusCodeHttpResult { StatusCode: >= 200 and < 300 } success)
            {
                var value = outcome is IValueHttpResult v ? (replay?.ToStored ?? (x => x))(v.Value) : null;
                var body = value is null ? null : JsonSerializer.Serialize(value, value.GetType(), JsonOptions(http));
                await store.SaveAsync(scope, key, success.StatusCode ?? 200, body, cancellationToken);
                await db.CommitAsync(cancellationToken);
            }
            else
            {
                // Only successes are remembered: a refused write may be corrected and retried with the same key.
                await db.RollbackAsync();
            }
            return result;
        }
        catch
        {
            await db.RollbackAsync();
            throw;
        }
    }

    private async Task<object?> ReplayAsync(HttpContext http, IdempotencyRow earlier, CancellationToken cancellationToken)
    {
        if (earlier.ResponseBody is null) return TypedResults.StatusCode(earlier.StatusCode);
        if (replay is not null) return await replay.ReplayAsync(http, earlier.ResponseBody, cancellationToken);
        return TypedResults.Content(earlier.ResponseBody, "application/json", statusCode: earlier.StatusCode);
    }

    private static JsonSerializerOptions JsonOptions(HttpContext http) =>
        http.RequestServices.GetRequiredService<IOptions<JsonOptions>>().Value.SerializerOptions;
}
