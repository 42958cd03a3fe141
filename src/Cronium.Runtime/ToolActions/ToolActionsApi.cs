using Cronium.Runtime.Auth;
using Cronium.Runtime.Hosting;
using Cronium.Runtime.Idempotency;
using Cronium.Runtime.Json;
using Cronium.Runtime.Problems;
using Cronium.Runtime.Scripts;
using Cronium.Runtime.Storage;
using Cronium.Runtime.Validation;

namespace Cronium.Runtime.ToolActions;

/// <summary>Tool actions from scripts, and the write-only credential store orchestrators fill.</summary>
internal static class ToolActionsApi
{
    public static RouteGroupBuilder MapToolActions(this IEndpointRouteBuilder app)
    {
        var group = app.MapScriptGroup();
        group.MapPost("/tool-actions", Run).WithName("runToolAction").WithIdempotency(mode: IdempotencyMode.ClaimFirst);
        return group;
    }

    public static RouteGroupBuilder MapToolCredentials(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/v1/users/{userId}/tool-credentials").WithTags("ToolCredentials").RequireOrchestratorKey().WithValidation();
        group.MapGet("/", List).WithName("listToolCredentials");
        group.MapPut("/{name}", Put).WithName("putToolCredential");
        group.MapDelete("/{name}", Delete).WithName("deleteToolCredential");
        return group;
    }

    private static async Task<Results<Ok<ToolActionResult>, ProblemHttpResult>> Run(
        HttpContext http, ToolActionRequest request, CredentialStore store, CredentialCipher cipher, IEnumerable<IToolSender> senders,
        ToolActionSlots slots, IHostApplicationLifetime lifetime, CancellationToken cancellationToken)
    {
        var caller = ExecutionCaller.From(http);
        using var slot = slots.Take(caller.ExecutionId);
        var name = request.Credential ?? request.Tool;
        var row = await store.GetAsync(caller.UserId, name, cancellationToken);
        if (row is null) return ApiProblem.CredentialNotFound(name);
        if (row.Tool != request.Tool)
            return ApiProblem.ToolFailed($"Credential '{name}' is for {row.Tool}, not {request.Tool}.");
        if (senders.FirstOrDefault(s => s.Tool == request.Tool) is not { } sender)
            return ApiProblem.ToolFailed($"This runtime has no sender for '{request.Tool}' yet.");
        if (cipher.Decrypt(caller.UserId, row.Name, row.Tool, row.KeyId, row.Secret) is not { } secret)
            return ApiProblem.ToolFailed($"Credential '{name}' cannot be decrypted with the configured keys (Runtime:CredentialKey, Runtime:PreviousCredentialKeys).");

        using var credential = JsonDocument.Parse(secret);
        // Once the send has begun it runs to its end (each sender bounds itself) even if the caller's
        // connection drops: cancelling it could lose an answer to a message the provider already took,
        // and the helper's retry (same Idempotency-Key) would send it twice. The retry waits on
        // 409 idempotency_in_progress and then gets this answer replayed. Only a shutdown stops it.
        var sending = lifetime.ApplicationStopping;
        try
        {
            return TypedResults.Ok(await sender.SendAsync(ToolActionRequest.SameAction(request.Action), credential.RootElement, request.Params, sending));
        }
        catch (ToolActionException e)
        {
            return ApiProblem.ToolFailed(e.Message);
        }
        catch (HttpRequestException e) when (e.InnerException is OutboundRefusedException refused)
        {
            return TypedResults.Ok(new ToolActionResult(false, RawJson.Null, $"{request.Tool}: {refused.Message}"));
        }
        catch (HttpRequestException e)
        {
            // The provider could not be reached: the action ran and failed, which is the script's to handle.
            // Not e.Message: it can name the provider's address, and a webhook URL is a secret.
            return TypedResults.Ok(new ToolActionResult(false, RawJson.Null, $"{request.Tool} could not be reached ({e.HttpRequestError})"));
        }
        catch (TaskCanceledException) when (!sending.IsCancellationRequested)
        {
            return TypedResults.Ok(new ToolActionResult(false, RawJson.Null, $"{request.Tool} did not answer in time"));
        }
    }

    private static async Task<Ok<ToolCredentialList>> List(string userId, CredentialStore store, CancellationToken cancellationToken) =>
        TypedResults.Ok(new ToolCredentialList((await store.ListAsync(userId, cancellationToken))
            .Select(r => new ToolCredentialResponse(r.Name, r.Tool, Time.FromMs(r.UpdatedAt))).ToList()));

    private static async Task<Ok<ToolCredentialResponse>> Put(
        string userId, string name, PutToolCredentialRequest request, CredentialStore store, CredentialCipher cipher,
        TimeProvider time, IOptions<LimitsOptions> limits, CancellationToken cancellationToken)
    {
        var size = JsonBody.SizeOf(request.Secret);
        if (size > limits.Value.MaxValueBytes) throw ApiProblem.TooLarge("'secret'", limits.Value.MaxValueBytes, size);
        var (keyId, secret) = cipher.Encrypt(userId, name, request.Tool, request.Secret.GetRawText());
        var row = new CredentialRow { Name = name, Tool = request.Tool, KeyId = keyId, Secret = secret, UpdatedAt = Time.ToMs(time.GetUtcNow()) };
        await store.PutAsync(userId, row, cancellationToken);
        return TypedResults.Ok(new ToolCredentialResponse(name, row.Tool, Time.FromMs(row.UpdatedAt)));
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> Delete(string userId, string name, CredentialStore store, CancellationToken cancellationToken) =>
        await store.DeleteAsync(userId, name, cancellationToken) ? TypedResults.NoContent() : ApiProblem.CredentialNotFound(name);
}
