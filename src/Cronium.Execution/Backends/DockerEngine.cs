using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text.Json.Serialization.Metadata;

namespace Cronium.Execution.Backends;

/// <summary>A call the Docker daemon refused, with its status and the daemon's own message.</summary>
public sealed class DockerEngineException(HttpStatusCode status, string message) : Exception($"Docker: {message} (HTTP {(int)status})")
{
    public HttpStatusCode Status { get; } = status;
}

/// <summary>
/// The eight Docker Engine API calls the docker backend makes, over the daemon's Unix socket (or tcp://), with JSON
/// generated at build time (<see cref="DockerJson"/>). In place of Docker.DotNet, whose Newtonsoft.Json contracts
/// are made at run time: every <c>cronium run --backend docker</c> JIT-compiled them while the runtime started and
/// again at the container's creation (on 2 cores, a docker no-op's JIT time 181 → 130-145 ms with this client, its
/// runtime start 89-109 → 57-65 ms and the creation 48-56 → 21-24 ms). Paths carry no API version: the daemon
/// answers in its own.
/// </summary>
internal sealed class DockerEngine : IDisposable
{
    private readonly HttpClient http;
    private readonly string endpoint;

    public DockerEngine(string endpoint)
    {
        this.endpoint = endpoint;
        var uri = new Uri(endpoint);
        var handler = new SocketsHttpHandler { UseProxy = false, AllowAutoRedirect = false };
        Uri baseAddress;
        switch (uri.Scheme)
        {
            case "unix":
                var socket = new UnixDomainSocketEndPoint(uri.AbsolutePath);
                handler.ConnectCallback = async (_, cancellationToken) =>
                {
                    var s = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
                    try
                    {
                        await s.ConnectAsync(socket, cancellationToken);
                        return new NetworkStream(s, ownsSocket: true);
                    }
                    catch
                    {
                        s.Dispose();
                        throw;
                    }
                };
                baseAddress = new Uri("http://docker/");
                break;
            case "tcp" or "http":
                baseAddress = new UriBuilder("http", uri.Host, uri.Port).Uri;
                break;
            default:
                throw new PlatformNotSupportedException($"Docker endpoint {endpoint}: only unix:// and tcp:// are supported.");
        }
        // Waits and followed logs last as long as the script: each call's own token bounds it, not a client timeout.
        http = new HttpClient(handler) { BaseAddress = baseAddress, Timeout = Timeout.InfiniteTimeSpan };
    }

    public async Task<IReadOnlyList<ContainerSummary>> ListAsync(string label, CancellationToken cancellationToken)
    {
        var filters = Uri.EscapeDataString($$"""{"label":[{{JsonSerializer.Serialize(label, DockerJson.Default.String)}}]}""");
        using var response = await SendAsync(HttpMethod.Get, $"containers/json?all=1&filters={filters}", null, cancellationToken);
        return await ReadAsync(response, DockerJson.Default.ListContainerSummary, cancellationToken);
    }

    public async Task<string> CreateAsync(ContainerSpec spec, CancellationToken cancellationToken)
    {
        using var response = await SendAsync(HttpMethod.Post, "containers/create", JsonContent.Create(spec, DockerJson.Default.ContainerSpec), cancellationToken);
        return (await ReadAsync(response, DockerJson.Default.CreatedContainer, cancellationToken)).Id;
    }

    public async Task StartAsync(string id, CancellationToken cancellationToken)
    {
        using var _ = await SendAsync(HttpMethod.Post, $"containers/{id}/start", null, cancellationToken);
    }

    /// <summary>Until the container stops; its exit code.</summary>
    public async Task<int> WaitAsync(string id, CancellationToken cancellationToken)
    {
        using var response = await SendAsync(HttpMethod.Post, $"containers/{id}/wait", null, cancellationToken);
        return (int)(await ReadAsync(response, DockerJson.Default.ContainerExit, cancellationToken)).StatusCode;
    }

    public async Task<bool> OutOfMemoryAsync(string id, CancellationToken cancellationToken)
    {
        using var response = await SendAsync(HttpMethod.Get, $"containers/{id}/json", null, cancellationToken);
        return (await ReadAsync(response, DockerJson.Default.ContainerDetails, cancellationToken)).State.OOMKilled;
    }

    /// <summary>False when there was nothing to kill: the container is gone or no longer running.</summary>
    public async Task<bool> KillAsync(string id, CancellationToken cancellationToken)
    {
        try
        {
            using var _ = await SendAsync(HttpMethod.Post, $"containers/{id}/kill", null, cancellationToken);
            return true;
        }
        catch (DockerEngineException e) when (e.Status is HttpStatusCode.NotFound or HttpStatusCode.Conflict)
        {
            return false;
        }
    }

    /// <summary>Removes the container, running or not, and its anonymous volumes; one already gone is not an error.</summary>
    public async Task RemoveAsync(string id, CancellationToken cancellationToken)
    {
        try
        {
            using var _ = await SendAsync(HttpMethod.Delete, $"containers/{id}?force=1&v=1", null, cancellationToken);
        }
        catch (DockerEngineException e) when (e.Status == HttpStatusCode.NotFound)
        {
        }
    }

    /// <summary>The container's stdout and stderr as the daemon multiplexes them (<see cref="DockerLogFrames"/>), followed to its end.</summary>
    public async Task<Stream> FollowLogsAsync(string id, CancellationToken cancellationToken)
    {
        var response = await SendAsync(HttpMethod.Get, $"containers/{id}/logs?follow=1&stdout=1&stderr=1", null, cancellationToken);
        return await response.Content.ReadAsStreamAsync(cancellationToken);
    }

    private async Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, HttpContent? body, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(method, path) { Content = body };
        HttpResponseMessage response;
        try
        {
            response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        }
        catch (HttpRequestException e) when (e.HttpRequestError == HttpRequestError.ConnectionError)
        {
            // The client's own message names its made-up host ("docker:80"), not the daemon's socket.
            throw new IOException($"No Docker daemon answers at {endpoint} ({e.InnerException?.Message ?? e.Message}): start one, or set DOCKER_HOST.", e);
        }
        if (response.IsSuccessStatusCode || response.StatusCode == HttpStatusCode.NotModified) return response;
        using (response)
        {
            var text = await response.Content.ReadAsStringAsync(cancellationToken);
            string? message = null;
            try
            {
                message = JsonSerializer.Deserialize(text, DockerJson.Default.DaemonError)?.Message;
            }
            catch (JsonException)
            {
            }
            throw new DockerEngineException(response.StatusCode, message ?? (text.Length > 0 ? text.Trim() : response.ReasonPhrase ?? "no message"));
        }
    }

    private static async Task<T> ReadAsync<T>(HttpResponseMessage response, JsonTypeInfo<T> type, CancellationToken cancellationToken) =>
        await response.Content.ReadFromJsonAsync(type, cancellationToken)
        ?? throw new DockerEngineException(response.StatusCode, $"an empty answer where {typeof(T).Name} was expected");

    public void Dispose() => http.Dispose();
}
