using System.Text;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Net.Http.Headers;

namespace Cronium.Runtime.Streaming;

/// <summary>
/// <c>text/event-stream</c> answers (the WHATWG server-sent events format) for reads a client may follow.
/// Written here rather than with <c>TypedResults.ServerSentEvents</c>: its formatter cannot write comment lines,
/// and a keep-alive comment is what keeps proxies and idle timeouts from cutting a quiet stream.
/// </summary>
internal static class ServerSentEvents
{
    public const string MediaType = "text/event-stream";

    /// <summary>True when the client's Accept names <c>text/event-stream</c> (a wildcard does not: it gets JSON, as before).</summary>
    public static bool IsRequested(HttpRequest request) =>
        request.GetTypedHeaders().Accept.Any(a => a.MediaType.Equals(MediaType, StringComparison.OrdinalIgnoreCase) && a.Quality is not 0);

    /// <summary>The stream as a result: the handler decides on 404 and 400 first, while a problem can still be written.</summary>
    public static EventStreamResult Stream(Func<EventStreamWriter, CancellationToken, Task> produce) => new(produce);
}

internal sealed class EventStreamResult(Func<EventStreamWriter, CancellationToken, Task> produce) : IResult
{
    public async Task ExecuteAsync(HttpContext httpContext)
    {
        var response = httpContext.Response;
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = ServerSentEvents.MediaType;
        response.Headers.CacheControl = "no-cache";
        // nginx and its kin buffer responses by default; a follower would see nothing until the buffer filled.
        response.Headers["X-Accel-Buffering"] = "no";
        httpContext.Features.Get<IHttpResponseBodyFeature>()?.DisableBuffering();
        var aborted = httpContext.RequestAborted;
        try
        {
            // Headers now: the client knows it is following before the first event, however long that takes.
            // Starting alone is not enough: the headers wait in the output buffer (and a test server holds back
            // the whole answer) until something is flushed.
            await response.StartAsync(aborted);
            await response.BodyWriter.FlushAsync(aborted);
            var services = httpContext.RequestServices;
            var writer = new EventStreamWriter(response.BodyWriter, services.GetRequiredService<TimeProvider>(),
                services.GetRequiredService<IOptions<JsonOptions>>().Value.SerializerOptions);
            await produce(writer, aborted);
        }
        catch (OperationCanceledException) when (aborted.IsCancellationRequested)
        {
            // The client went away: the normal end of a stream nobody reads any more.
        }
    }
}

/// <summary>Writes events and keep-alive comments; one writer per response, never used from two threads.</summary>
internal sealed class EventStreamWriter(System.IO.Pipelines.PipeWriter body, TimeProvider time, JsonSerializerOptions json)
{
    public static readonly TimeSpan KeepAliveInterval = TimeSpan.FromSeconds(15);

    private long lastWrite = time.GetTimestamp();

    /// <summary>Buffers one event; <see cref="FlushAsync"/> sends what was buffered (once per page, not per line).</summary>
    public void Write<T>(string type, T data, long? id = null)
    {
        var text = new StringBuilder();
        if (id is { } i) text.Append("id: ").Append(i).Append('\n');
        text.Append("event: ").Append(type).Append('\n');
        // JSON escapes line breaks inside strings, so the data is always one line: one data field.
        text.Append("data: ").Append(JsonSerializer.Serialize(data, (System.Text.Json.Serialization.Metadata.JsonTypeInfo<T>)json.GetTypeInfo(typeof(T)))).Append("\n\n");
        Encoding.UTF8.GetBytes(text.ToString(), body);
    }

    public async Task FlushAsync(CancellationToken cancellationToken)
    {
        await body.FlushAsync(cancellationToken);
        lastWrite = time.GetTimestamp();
    }

    /// <summary>Waits one poll interval, then sends a keep-alive comment when nothing was sent for a while.</summary>
    public async Task PauseAsync(TimeSpan interval, CancellationToken cancellationToken)
    {
        await Task.Delay(interval, time, cancellationToken);
        if (time.GetElapsedTime(lastWrite) < KeepAliveInterval) return;
        Encoding.UTF8.GetBytes(": keep-alive\n\n", body);
        await FlushAsync(cancellationToken);
    }
}

/// <summary>The last event of a stream: what the followed thing ended as.</summary>
internal sealed record StreamEnd(string Status);
