using Cronium.Runtime.Auth;
using Cronium.Runtime.Caching;
using Cronium.Runtime.Hosting;
using Cronium.Runtime.Idempotency;
using Cronium.Runtime.Json;
using Cronium.Runtime.Problems;
using Cronium.Runtime.Scripts;
using Cronium.Runtime.Storage;
using Cronium.Runtime.Validation;

namespace Cronium.Runtime.Variables;

/// <summary>
/// Variables, from a script (the user is the token's) and from an orchestrator (the user is in the path).
/// Both faces share one set of handlers: only where the user id comes from differs.
/// </summary>
internal static class VariablesApi
{
    public static RouteGroupBuilder MapVariables(this IEndpointRouteBuilder app)
    {
        var group = app.MapScriptGroup();
        group.MapGet("/variables", (HttpContext http, [AsParameters] ListVariablesQuery query, VariableService variables, CancellationToken ct) =>
            List(ExecutionCaller.From(http).UserId, query, variables, ct)).WithName("listVariables");
        group.MapGet("/variables/{key}", (HttpContext http, string key, VariableService variables, CancellationToken ct) =>
            Get(ExecutionCaller.From(http).UserId, key, CallLookup.From(http), variables, ct))
            .WithName("getVariable").WithMetadata(VariableService.ScriptRead);
        group.MapPut("/variables/{key}", (HttpContext http, string key, SetVariableRequest request, VariableService variables, IOptions<LimitsOptions> limits, CancellationToken ct) =>
            Set(ExecutionCaller.From(http).UserId, key, request, WriteGeneration.From(http), variables, limits, ct))
            .WithName("setVariable").WithGenerationFirst().WithIdempotency(ScriptReplay);
        group.MapDelete("/variables/{key}", (HttpContext http, string key, VariableService variables, CancellationToken ct) =>
            Delete(ExecutionCaller.From(http).UserId, key, WriteGeneration.From(http), variables, ct))
            .WithName("deleteVariable").WithGenerationFirst().WithIdempotency(ScriptReplay);
        return group;
    }

    public static RouteGroupBuilder MapUserVariables(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/v1/users/{userId}/variables").WithTags("Variables").RequireOrchestratorKey().WithValidation();
        group.MapGet("/", (string userId, [AsParameters] ListVariablesQuery query, VariableService variables, CancellationToken ct) =>
            List(userId, query, variables, ct)).WithName("listUserVariables");
        group.MapGet("/{key}", (string userId, string key, VariableService variables, CancellationToken ct) =>
            Get(userId, key, null, variables, ct)).WithName("getUserVariable");
        group.MapPut("/{key}", (HttpContext http, string userId, string key, SetVariableRequest request, VariableService variables, IOptions<LimitsOptions> limits, CancellationToken ct) =>
            Set(userId, key, request, WriteGeneration.From(http), variables, limits, ct))
            .WithName("setUserVariable").WithGenerationFirst().WithIdempotency(UserReplay);
        group.MapDelete("/{key}", (HttpContext http, string userId, string key, VariableService variables, CancellationToken ct) =>
            Delete(userId, key, WriteGeneration.From(http), variables, ct))
            .WithName("deleteUserVariable").WithGenerationFirst().WithIdempotency(UserReplay);
        return group;
    }

    // Ahead of the idempotency filter, whose transaction then opens only once the cache has answered.
    private static RouteHandlerBuilder WithGenerationFirst(this RouteHandlerBuilder route) => route.AddEndpointFilter(async (context, next) =>
    {
        var http = context.HttpContext;
        var generation = await http.RequestServices.GetRequiredService<VariableService>().GenerationAsync(CallLookup.From(http));
        http.Features.Set(new WriteGeneration(generation));
        return await next(context);
    });

    /// <summary>The cache's generation a write read before it began (<see cref="VariableService.GenerationAsync"/>).</summary>
    private sealed record WriteGeneration(string? Value)
    {
        public static string? From(HttpContext http) => http.Features.Get<WriteGeneration>()?.Value;
    }

    // A replayed write first redoes its cache step (VariableService.RefreshAsync): its first attempt committed, but
    // the cache may not have taken the entry and storage may have failed before the epoch moved on.
    private static readonly IdempotentReplay ScriptReplay = RefreshOnReplay(http => ExecutionCaller.From(http).UserId);
    private static readonly IdempotentReplay UserReplay = RefreshOnReplay(http => (string)http.Request.RouteValues["userId"]!);

    private static IdempotentReplay RefreshOnReplay(Func<HttpContext, string> userOf) => new(RedoAfterCommitAsync: (http, ct) =>
        http.RequestServices.GetRequiredService<VariableService>().RefreshAsync(userOf(http), (string)http.Request.RouteValues["key"]!, ct));

    // A ValueTask, as the service's: a read the cache answers allocates no task on its way out.
    private static async ValueTask<Results<Ok<VariableResponse>, ProblemHttpResult>> Get(
        string userId, string key, CallLookup? fetched, VariableService variables, CancellationToken ct) =>
        await variables.GetAsync(userId, key, fetched, ct) is { } value
            ? TypedResults.Ok(VariableResponse.From(value))
            : ApiProblem.VariableNotFound(key);

    private static async Task<Results<Ok<VariableVersionResponse>, ProblemHttpResult>> Set(
        string userId, string key, SetVariableRequest request, string? generation, VariableService variables, IOptions<LimitsOptions> limits, CancellationToken ct)
    {
        var size = JsonBody.SizeOf(request.Value);
        if (size > limits.Value.MaxValueBytes) throw ApiProblem.TooLarge($"The value of '{key}'", limits.Value.MaxValueBytes, size);

        var write = await variables.SetAsync(userId, key, request.Value.GetRawText(), request.IfVersion, generation, ct);
        return write.Written
            ? TypedResults.Ok(new VariableVersionResponse(key, write.Version, Time.FromMs(write.UpdatedAt)))
            : ApiProblem.VersionConflict(key, request.IfVersion ?? 0, write.Version);
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> Delete(string userId, string key, string? generation, VariableService variables, CancellationToken ct) =>
        await variables.DeleteAsync(userId, key, generation, ct) ? TypedResults.NoContent() : ApiProblem.VariableNotFound(key);

    private static async Task<Ok<VariableListResponse>> List(string userId, ListVariablesQuery query, VariableService variables, CancellationToken ct)
    {
        var limit = query.Limit ?? 1000;
        var rows = await variables.ListAsync(userId, query.Prefix ?? "", query.After, limit + 1, ct);
        var page = rows.Take(limit).Select(r => new VariableVersionResponse(r.Key, r.Version, Time.FromMs(r.UpdatedAt))).ToList();
        return TypedResults.Ok(new VariableListResponse(page, rows.Count > limit ? page[^1].Key : null));
    }
}
