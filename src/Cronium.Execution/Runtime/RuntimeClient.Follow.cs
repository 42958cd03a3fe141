using System.Net.Http.Headers;
using System.Runtime.CompilerServices;
using System.Text.Json.Nodes;

namespace Cronium.Execution.Runtime;

/// <summary>One server-sent event: its <c>id</c> (null when it has none), type and data.</summary>
internal sealed record ServerSentEvent(string? Id, string Type, string Data);

public sealed partial class RuntimeClient
{
    /// <summary>Reconnections in a row that bring nothing before a follow gives up (a runtime that is gone).</summary>
    private const int MaxReconnects = 10;

    /// <summary>
    /// A quiet stream still gets a keep-alive comment every 15 s; nothing at all for this long is a connection that
    /// died without a word (a proxy or NAT dropped it), and is reconnected.
    /// </summary>
    private static readonly TimeSpan SilenceLimit = TimeSpan.FromSeconds(45);

    /// <summary>
    /// Follows an execution's log as server-sent events (getLogs with <c>Accept: text/event-stream</c>): each entry
    /// once and in order, until the <c>end</c> event. A dropped connection is reconnected with <c>Last-Event-ID</c>
    /// set to the last entry's seq, so the runtime resumes after it: nothing missed, nothing repeated.
    /// </summary>
    public async IAsyncEnumerable<JsonObject> FollowLogsAsync(string executionId, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        string? lastId = null;
        var failures = 0;
        while (true)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, $"v1/executions/{Uri.EscapeDataString(executionId)}/logs");
            request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));
            if (lastId is not null) request.Headers.Add("Last-Event-ID", lastId);
            using var silence = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            HttpResponseMessage? response = null;
            try
            {
                response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
            }
            catch (HttpRequestException) when (failures < MaxReconnects)
            {
            }
            using (response)
            {
                if (response is { IsSuccessStatusCode: false })
                    throw Problem(response, await response.Content.ReadAsStringAsync(cancellationToken));
                if (response is not null)
                {
                    using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(cancellationToken));
                    while (await NextEventAsync(reader, silence, cancellationToken) is { } next)
                    {
                        if (next.Type == "end") yield break;
                        if (next.Type != "log") continue;
                        lastId = next.Id ?? lastId;
                        failures = 0;
                        yield return JsonNode.Parse(next.Data)!.AsObject();
                    }
                }
            }
            // The stream stopped before its end event: the connection dropped. Again, from the last entry seen.
            if (++failures > MaxReconnects)
                throw new IOException($"the log stream of execution {executionId} kept dropping ({MaxReconnects} reconnections brought nothing)");
            await Task.Delay(TimeSpan.FromMilliseconds(Math.Min(2000, 100 * failures)), cancellationToken);
        }
    }

    /// <summary>The next event (comments skipped), or null when the stream ended, broke, or was silent too long.</summary>
    private static async Task<ServerSentEvent?> NextEventAsync(StreamReader reader, CancellationTokenSource silence, CancellationToken cancellationToken)
    {
        string? id = null, type = null;
        var data = new System.Text.StringBuilder();
        try
        {
            while (true)
            {
                silence.CancelAfter(SilenceLimit);
                var line = await reader.ReadLineAsync(silence.Token);
                if (line is null) return null;
                if (line.Length == 0)
                {
                    if (type is null && data.Length == 0) continue;
                    return new ServerSentEvent(id, type ?? "message", data.ToString());
                }
                if (line[0] == ':') continue;
                var colon = line.IndexOf(':', StringComparison.Ordinal);
                var (field, value) = colon < 0 ? (line, "") : (line[..colon], line[(colon + 1)..]);
                if (value.StartsWith(' ')) value = value[1..];
                switch (field)
                {
                    case "id":
                        id = value;
                        break;
                    case "event":
                        type = value;
                        break;
                    case "data":
                        if (data.Length > 0) data.Append('\n');
                        data.Append(value);
                        break;
                }
            }
        }
        catch (Exception e) when (e is IOException or HttpRequestException
            || (e is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            return null;
        }
    }
}
