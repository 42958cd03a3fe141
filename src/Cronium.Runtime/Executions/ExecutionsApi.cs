using Cronium.Runtime.Auth;
using Cronium.Runtime.Caching;
using Cronium.Runtime.Hosting;
using Cronium.Runtime.Idempotency;
using Cronium.Runtime.Json;
using Cronium.Runtime.Problems;
using Cronium.Runtime.Storage;
using Cronium.Runtime.Validation;

namespace Cronium.Runtime.Executions;

/// <summary>Orchestrator operations: create an execution (and its token), read it, complete it (the token dies).</summary>
internal static class ExecutionsApi
{
    public static RouteGroupBuilder MapExecutions(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/v1/executions").WithTags("Executions").RequireOrchestratorKey().WithValidation();

        group.MapPost("/", Create).WithName("createExecution")
            .WithIdempotency(new IdempotentReplay(StoreWithoutToken, ReplayWithFreshTokenAsync));
        group.MapGet("/{executionId}", Get).WithName("getExecution");
        group.MapPost("/{executionId}/complete", Complete).WithName("completeExecution");
        return group;
    }

    private static async Task<Created<CreatedExecution>> Create(
        CreateExecutionRequest request, ExecutionStore store, ExecutionTokens tokens, TimeProvider time,
        IOptions<RuntimeOptions> options, IOptions<LimitsOptions> limits, CancellationToken cancellationToken)
    {
        JsonElement? input = request.Input.ValueKind is JsonValueKind.Undefined or JsonValueKind.Null ? null : request.Input;
        if (input is { } i && JsonBody.SizeOf(i) > limits.Value.MaxDataBytes)
            throw ApiProblem.TooLarge("'input'", limits.Value.MaxDataBytes, JsonBody.SizeOf(i));

        var now = time.GetUtcNow();
        var nowMs = Time.ToMs(now);
        var timeout = request.TimeoutSeconds ?? 3600;
        var deadline = nowMs + timeout * 1000L;
        var row = new ExecutionRow
        {
            Id = Guid.CreateVersion7().ToString(),
            UserId = request.UserId,
            JobId = string.IsNullOrEmpty(request.JobId) ? Guid.CreateVersion7().ToString() : request.JobId,
            EventId = request.Event.Id,
            EventName = request.Event.Name,
            EventType = request.Event.Type,
            Workflow = request.Workflow is null ? null : JsonSerializer.Serialize(request.Workflow, ExecutionsJson.Strict.WorkflowRef),
            RunId = request.RunId ?? request.Workflow?.RunId,
            Trigger = request.Trigger is null ? null : JsonSerializer.Serialize(request.Trigger, ExecutionsJson.Strict.TriggerRef),
            Attempt = request.Attempt ?? 1,
            ScheduledAt = request.ScheduledAt is { } scheduledAt ? Time.ToMs(scheduledAt) : null,
            Input = input?.GetRawText(),
            Metadata = JsonSerializer.Serialize(request.Metadata ?? [], ExecutionsJson.Strict.DictionaryStringString),
            Status = ExecutionStore.Running,
            TimeoutSeconds = timeout,
            TokenId = Guid.NewGuid().ToString("N"),
            TokenExpiresAt = deadline + options.Value.TokenGraceSeconds * 1000L,
            StartedAt = nowMs,
            Deadline = deadline,
        };
        await store.InsertAsync(row, cancellationToken);
        return TypedResults.Created($"/v1/executions/{row.Id}", Created(row, tokens));
    }

    private static async Task<Results<Ok<ExecutionResponse>, ProblemHttpResult>> Get(string executionId, ExecutionStore store, CancellationToken cancellationToken) =>
        await store.GetAsync(executionId, cancellationToken) is { } row
            ? TypedResults.Ok(ExecutionResponse.From(row))
            : ApiProblem.ExecutionNotFound(executionId);

    private static async Task<Results<Ok<ExecutionResponse>, ProblemHttpResult>> Complete(
        string executionId, CompleteExecutionRequest request, ExecutionStore store, ExecutionGate gate, TimeProvider time, CancellationToken cancellationToken)
    {
        var (outcome, row) = await store.CompleteAsync(executionId, request.Status, request.ExitCode, request.Error, Time.ToMs(time.GetUtcNow()), cancellationToken);
        if (outcome == CompleteOutcome.NotFound || row is null) return ApiProblem.ExecutionNotFound(executionId);
        // Revoked before any answer, even the conflict's: an earlier completion whose revocation the cache did not take
        // (503) may be retried with another status, and the cache must not keep saying "running" after it.
        if (!await gate.RevokeAsync(executionId, row.Status, row.TokenExpiresAt))
            throw new ApiProblemException(StatusCodes.Status503ServiceUnavailable, ProblemCodes.StorageUnavailable,
                "The execution is recorded as ended, but the shared cache did not take the revocation; retry so that every instance refuses its token.")
            { RetryAfter = TimeSpan.FromSeconds(1) };
        if (outcome == CompleteOutcome.AlreadyOther) return ApiProblem.ExecutionFinished(executionId, row.Status);
        return TypedResults.Ok(ExecutionResponse.From(row));
    }

    private static CreatedExecution Created(ExecutionRow row, ExecutionTokens tokens) =>
        new(row.Id, tokens.Mint(row), Time.FromMs(row.TokenExpiresAt), Time.FromMs(row.Deadline));

    // The token is a secret: the idempotency record keeps everything but it, and a replay mints it again
    // from the execution's row (a token is a pure function of the row, so the replay returns the same one).
    private static object? StoreWithoutToken(object? value) => value is CreatedExecution c ? c with { Token = null } : value;

    private static async Task<IResult> ReplayWithFreshTokenAsync(HttpContext http, string storedBody, CancellationToken cancellationToken)
    {
        var stored = JsonSerializer.Deserialize(storedBody, ExecutionsJson.Strict.CreatedExecution)!;
        var row = await http.RequestServices.GetRequiredService<ExecutionStore>().GetAsync(stored.ExecutionId, cancellationToken)
            ?? throw new InvalidOperationException("An idempotency record names an execution that does not exist.");
        return TypedResults.Created($"/v1/executions/{row.Id}", Created(row, http.RequestServices.GetRequiredService<ExecutionTokens>()));
    }
}
