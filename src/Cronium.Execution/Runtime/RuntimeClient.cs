using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Cronium.Execution.Runtime;

/// <summary>A problem answer from the runtime, kept whole so the CLI can show its code and detail.</summary>
public sealed class RuntimeApiException(int status, string? code, string detail)
    : Exception($"runtime answered {status}{(code is null ? "" : " " + code)}: {detail}")
{
    public int Status { get; } = status;
    public string? Code { get; } = code;
}

public sealed record CreatedExecution(string ExecutionId, string Token, DateTimeOffset ExpiresAt);

/// <summary>The orchestrator side of the runtime API: what cronium run needs, over TCP or a Unix socket.</summary>
public sealed class RuntimeClient : IDisposable
{
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
        // A 503 means the revocation is not yet everywhere: completion must be retried, never skipped.
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return (await SendAsync(HttpMethod.Post, $"v1/executions/{executionId}/complete", request, cancellationToken))!.AsObject();
            }
            catch (Exception e) when (attempt < 10 && (e is HttpRequestException || e is RuntimeApiException { Status: 503 }))
            {
                await Task.Delay(TimeSpan.FromMilliseconds(200 * attempt), cancellationToken);
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

    public void Dispose() => http.Dispose();

    private async Task<JsonNode?> SendAsync(HttpMethod method, string path, JsonNode? body, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(method, path);
        if (body is not null) request.Content = JsonContent.Create(body);
        using var response = await http.SendAsync(request, cancellationToken);
        var text = await response.Content.ReadAsStringAsync(cancellationToken);
        if (!response.IsSuccessStatusCode)
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
            throw new RuntimeApiException((int)response.StatusCode, code, detail);
        }
        return text.Length == 0 ? null : JsonNode.Parse(text);
    }
}
