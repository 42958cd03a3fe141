using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.Sockets;

namespace Cronium.Execution.Runtime;

/// <summary>A problem answer from the runtime, kept whole so the CLI can show its code and detail.</summary>
public sealed class RuntimeApiException(int status, string? code, string detail)
    : Exception($"runtime answered {status}{(code is null ? "" : " " + code)}: {detail}")
{
    public int Status { get; } = status;
    public string? Code { get; } = code;

    /// <summary>The problem's own words, without the status and code.</summary>
    public string Detail { get; } = detail;
}

public sealed record CreatedExecution(string ExecutionId, string Token, DateTimeOffset ExpiresAt);

/// <summary>The orchestrator side of the runtime API: what cronium run needs, over TCP or a Unix socket.</summary>
public sealed partial class RuntimeClient : IDisposable
{
    // Values are stored as the text sent: keep it as a person wrote it (é, not \u00E9). Not HTML, so nothing to guard.
    private static readonly JsonSerializerOptions Written = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private readonly HttpClient http;

    public RuntimeClient(string apiUrl, string orchestratorKey)
    {
        ApiUrl = apiUrl;
        var handler = new SocketsHttpHandler { PooledConnectionIdleTimeout = TimeSpan.FromSeconds(30) };
        Uri baseAddress;
        if (apiUrl.StartsWith("unix://", StringComparison.Ordinal))
        {
            var socketPath = apiUrl["unix://".Length..];
            handler.ConnectCallback = async (_, ct) =>
            {
                var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
                try
                {
                    await socket.ConnectAsync(new UnixDomainSocketEndPoint(socketPath), ct);
                    return new NetworkStream(socket, ownsSocket: true);
                }
                catch
                {
                    socket.Dispose();
                    throw;
                }
            };
            baseAddress = new Uri("http://runtime/");
        }
        else
        {
            baseAddress = new Uri(apiUrl.TrimEnd('/') + "/");
        }
        http = new HttpClient(handler) { BaseAddress = baseAddress, Timeout = TimeSpan.FromSeconds(30) };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", orchestratorKey);
    }

    /// <summary>How long one request may take before the runtime counts as unreachable; 30 s unless a test says less.</summary>
    public TimeSpan RequestTimeout
    {
        get => http.Timeout;
        init => http.Timeout = value;
    }

    /// <summary>How long completing an execution is retried before giving up (and saying so); a minute unless a test says less.</summary>
    public TimeSpan CompletionPatience { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>As given: <c>http://host:port</c> or <c>unix:///path.sock</c>.</summary>
    public string ApiUrl { get; }

    public async Task<CreatedExecution> CreateExecutionAsync(JsonObject request, CancellationToken cancellationToken)
    {
        var body = await SendAsync(HttpMethod.Post, "v1/executions", request, cancellationToken);
        return new CreatedExecution((string)body!["executionId"]!, (string)body["token"]!, DateTimeOffset.Parse((string)body["expiresAt"]!, System.Globalization.CultureInfo.InvariantCulture));
    }

    public async Task<JsonObject> CompleteExecutionAsync(string executionId, string status, int? exitCode, string? error, CancellationToken cancellationToken)
    {
        var request = new JsonObject { ["status"] = status, ["exitCode"] = exitCode, ["error"] = error };
        // A 503 means the revocation is not yet everywhere: completion is retried (backing off to 2 s) for a minute,
        // never skipped. Past that the caller is told plainly; the token then lives until it expires.
        var deadline = DateTime.UtcNow + CompletionPatience;
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return (await SendAsync(HttpMethod.Post, $"v1/executions/{executionId}/complete", request, cancellationToken))!.AsObject();
            }
            catch (Exception e) when (DateTime.UtcNow < deadline && (e is HttpRequestException || e is RuntimeApiException { Status: 503 }))
            {
                await Task.Delay(TimeSpan.FromMilliseconds(Math.Min(2000, 200 * attempt)), cancellationToken);
            }
            catch (Exception e) when (e is HttpRequestException || e is RuntimeApiException { Status: 503 })
            {
                throw new IOException($"execution {executionId} could not be completed for {CompletionPatience.TotalSeconds:0} s ({e.Message}); "
                    + "its token stays valid until it expires (the timeout plus the grace)", e);
            }
        }
    }

    public async Task<JsonObject> GetExecutionAsync(string executionId, CancellationToken cancellationToken) =>
        (await SendAsync(HttpMethod.Get, $"v1/executions/{executionId}", null, cancellationToken))!.AsObject();

    public Task SetUserVariableAsync(string userId, string key, JsonNode? value, CancellationToken cancellationToken) =>
        SendAsync(HttpMethod.Put, $"v1/users/{Uri.EscapeDataString(userId)}/variables/{Uri.EscapeDataString(key)}", new JsonObject { ["value"] = value?.DeepClone() }, cancellationToken);

    /// <summary>The variable's value, or null when it does not exist.</summary>
    public async Task<JsonNode?> GetUserVariableAsync(string userId, string key, CancellationToken cancellationToken)
    {
        try
        {
            return (await SendAsync(HttpMethod.Get, $"v1/users/{Uri.EscapeDataString(userId)}/variables/{Uri.EscapeDataString(key)}", null, cancellationToken))?["value"]?.DeepClone();
        }
        catch (RuntimeApiException e) when (e.Code == "variable_not_found")
        {
            return null;
        }
    }

    // Runs and logs: the records the CLI, a service and any UI share.

    /// <param name="idempotencyKey">The same key answers with the same run (a schedule's fire, a retried start).</param>
    public async Task<JsonObject> CreateRunAsync(JsonObject request, CancellationToken cancellationToken, string? idempotencyKey = null) =>
        (await SendAsync(HttpMethod.Post, "v1/runs", request, cancellationToken, idempotencyKey: idempotencyKey))!.AsObject();

    /// <summary>A queued run taken by its worker (409 run_not_queued when another took it or it was cancelled).</summary>
    public async Task<JsonObject> StartRunAsync(string runId, JsonArray? nodes, CancellationToken cancellationToken) =>
        (await SendAsync(HttpMethod.Post, $"v1/runs/{Uri.EscapeDataString(runId)}/start", new JsonObject { ["nodes"] = nodes }, cancellationToken))!.AsObject();

    public async Task<JsonObject> CancelRunAsync(string runId, CancellationToken cancellationToken) =>
        (await SendAsync(HttpMethod.Post, $"v1/runs/{Uri.EscapeDataString(runId)}/cancel", null, cancellationToken))!.AsObject();

    public async Task<JsonObject> GetRunAsync(string runId, CancellationToken cancellationToken) =>
        (await SendAsync(HttpMethod.Get, $"v1/runs/{Uri.EscapeDataString(runId)}", null, cancellationToken))!.AsObject();

    public async Task<JsonObject> ListRunsAsync(string query, CancellationToken cancellationToken) =>
        (await SendAsync(HttpMethod.Get, "v1/runs" + query, null, cancellationToken))!.AsObject();

    public Task UpdateRunNodeAsync(string runId, string nodeId, JsonObject update, CancellationToken cancellationToken) =>
        SendAsync(HttpMethod.Put, $"v1/runs/{Uri.EscapeDataString(runId)}/nodes/{Uri.EscapeDataString(nodeId)}", update, cancellationToken);

    public Task CompleteRunAsync(string runId, string status, string? error, CancellationToken cancellationToken) =>
        SendAsync(HttpMethod.Post, $"v1/runs/{Uri.EscapeDataString(runId)}/complete", new JsonObject { ["status"] = status, ["error"] = error }, cancellationToken);

    public async Task<JsonObject> AppendLogsAsync(string executionId, JsonArray entries, CancellationToken cancellationToken) =>
        (await SendAsync(HttpMethod.Post, $"v1/executions/{executionId}/logs", new JsonObject { ["entries"] = entries }, cancellationToken))!.AsObject();

    public async Task<JsonObject> GetLogsAsync(string executionId, long after, CancellationToken cancellationToken) =>
        (await SendAsync(HttpMethod.Get, $"v1/executions/{Uri.EscapeDataString(executionId)}/logs?after={after}", null, cancellationToken))!.AsObject();

    // Definitions (cronium serve): kind is "events" or "workflows", as the routes spell it.

    public async Task<JsonObject> PutDefinitionAsync(string kinds, string name, string yaml, IReadOnlyDictionary<string, string> files, CancellationToken cancellationToken) =>
        (await SendAsync(HttpMethod.Put, $"v1/{kinds}/{Uri.EscapeDataString(name)}",
            new JsonObject { ["definition"] = yaml, ["files"] = new JsonObject(files.Select(f => KeyValuePair.Create(f.Key, (JsonNode?)f.Value))) }, cancellationToken))!.AsObject();

    public async Task<JsonArray> ListDefinitionsAsync(string kinds, CancellationToken cancellationToken) =>
        (await SendAsync(HttpMethod.Get, $"v1/{kinds}", null, cancellationToken))!["items"]!.AsArray();

    public Task DeleteDefinitionAsync(string kinds, string name, CancellationToken cancellationToken) =>
        SendAsync(HttpMethod.Delete, $"v1/{kinds}/{Uri.EscapeDataString(name)}", null, cancellationToken);

    // Tool credentials, write-only: the secret goes in, only its name and tool come back.

    public Task PutCredentialAsync(string userId, string name, string tool, JsonObject secret, CancellationToken cancellationToken) =>
        SendAsync(HttpMethod.Put, $"v1/users/{Uri.EscapeDataString(userId)}/tool-credentials/{Uri.EscapeDataString(name)}",
            new JsonObject { ["tool"] = tool, ["secret"] = secret }, cancellationToken);

    public async Task<JsonArray> ListCredentialsAsync(string userId, CancellationToken cancellationToken) =>
        (await SendAsync(HttpMethod.Get, $"v1/users/{Uri.EscapeDataString(userId)}/tool-credentials", null, cancellationToken))!["items"]!.AsArray();

    public Task DeleteCredentialAsync(string userId, string name, CancellationToken cancellationToken) =>
        SendAsync(HttpMethod.Delete, $"v1/users/{Uri.EscapeDataString(userId)}/tool-credentials/{Uri.EscapeDataString(name)}", null, cancellationToken);

    /// <summary>
    /// A script-facing call made with the execution's own token, as a script would make it: how a tool-action
    /// step runs its action and sets its output, with nothing more than any script can do.
    /// </summary>
    public Task<JsonNode?> SendAsScriptAsync(HttpMethod method, string executionId, string path, string token, JsonNode? body, CancellationToken cancellationToken) =>
        SendAsync(method, $"v1/executions/{executionId}/{path}", body, cancellationToken, token);

    public void Dispose() => http.Dispose();

    private async Task<JsonNode?> SendAsync(HttpMethod method, string path, JsonNode? body, CancellationToken cancellationToken, string? token = null, string? idempotencyKey = null)
    {
        using var request = new HttpRequestMessage(method, path);
        if (token is not null) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        if (idempotencyKey is not null) request.Headers.Add("Idempotency-Key", idempotencyKey);
        if (body is not null) request.Content = JsonContent.Create(body, options: Written);
        try
        {
            using var response = await http.SendAsync(request, cancellationToken);
            var text = await response.Content.ReadAsStringAsync(cancellationToken);
            if (!response.IsSuccessStatusCode) throw Problem(response, text);
            return text.Length == 0 ? null : JsonNode.Parse(text);
        }
        catch (TaskCanceledException e) when (!cancellationToken.IsCancellationRequested)
        {
            // HttpClient's own timeout, not the caller's cancellation: a runtime that does not answer is one that
            // cannot be reached (retried where that is retried, reported where it is not), never a bare cancellation
            // that the CLI would end on without a word.
            throw new HttpRequestException($"the runtime did not answer {method} /{path} within {http.Timeout.TotalSeconds:0.#} s", e);
        }
    }

    /// <summary>A refusal as the exception callers catch by its code.</summary>
    private static RuntimeApiException Problem(HttpResponseMessage response, string text)
    {
        string? code = null, detail = text;
        try
        {
            var problem = JsonNode.Parse(text);
            code = (string?)problem?["code"];
            detail = (string?)problem?["detail"] ?? text;
        }
        catch (JsonException)
        {
        }
        return new RuntimeApiException((int)response.StatusCode, code, detail);
    }
}
