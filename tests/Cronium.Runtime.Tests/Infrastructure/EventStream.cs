using System.Net;
using System.Net.Http.Headers;
using System.Net.ServerSentEvents;
using System.Text.Json.Nodes;

namespace Cronium.Runtime.Tests.Infrastructure;

/// <summary>One event as a client reads it: its type, its id (null when none was sent) and its data as JSON.</summary>
public sealed record StreamEvent(string Type, string? Id, JsonNode? Data);

/// <summary>
/// A followed <c>text/event-stream</c> answer, read with the framework's own parser (as a .NET client would).
/// Reads are bounded: a stream that stops sending fails the test instead of hanging it. Disposing it is the client
/// going away.
/// </summary>
public sealed class EventStream : IAsyncDisposable
{
    private readonly CancellationTokenSource limit;
    private readonly HttpResponseMessage response;
    private readonly IAsyncEnumerator<SseItem<string>> events;

    private EventStream(CancellationTokenSource limit, HttpResponseMessage response, Stream body)
    {
        this.limit = limit;
        this.response = response;
        events = SseParser.Create(body).EnumerateAsync(limit.Token).GetAsyncEnumerator(limit.Token);
    }

    /// <summary>The request a following client sends; its answer, when it is not a stream (a problem), to assert on.</summary>
    public static HttpRequestMessage Request(string path, string? lastEventId = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));
        if (lastEventId is not null) request.Headers.Add("Last-Event-ID", lastEventId);
        return request;
    }

    public static async Task<EventStream> OpenAsync(HttpClient client, string path, string? lastEventId = null)
    {
        // Bounds the wait for the headers too: a server that holds them back until its first event fails here.
        var limit = new CancellationTokenSource(Eventually.Limit);
        var response = await client.SendAsync(Request(path, lastEventId), HttpCompletionOption.ResponseHeadersRead, limit.Token);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("no-cache", response.Headers.CacheControl?.ToString());
        return new EventStream(limit, response, await response.Content.ReadAsStreamAsync(limit.Token));
    }

    /// <summary>The next event; fails when the server closed the stream first.</summary>
    public async Task<StreamEvent> NextAsync()
    {
        Assert.True(await events.MoveNextAsync(), "the server closed the stream before the next event");
        var item = events.Current;
        return new StreamEvent(item.EventType, item.EventId, JsonNode.Parse(item.Data));
    }

    /// <summary>Every event up to and including <c>end</c>; then the server must close the stream.</summary>
    public async Task<List<StreamEvent>> ToEndAsync(Action<StreamEvent>? onEach = null)
    {
        var seen = new List<StreamEvent>();
        do
        {
            seen.Add(await NextAsync());
            onEach?.Invoke(seen[^1]);
        }
        while (seen[^1].Type != "end");
        Assert.False(await events.MoveNextAsync(), "the server sent more after end");
        return seen;
    }

    public async ValueTask DisposeAsync()
    {
        await events.DisposeAsync();
        response.Dispose();
        limit.Dispose();
    }
}
