using System.Net.Http.Headers;
using System.Text;
using Cronium.Runtime.Json;

namespace Cronium.Runtime.ToolActions;

/// <summary>
/// Slack, Discord and generic webhooks: the action's params are POSTed as JSON to the credential's <c>url</c>
/// (Slack reads <c>text</c>, Discord <c>content</c>). The provider's answer comes back as
/// <c>{status, body}</c>; a non-2xx answer is <c>success: false</c> with the reason in <c>error</c>.
/// The connection goes only where <see cref="OutboundPolicy"/> allows (see <see cref="ToolActionsApi"/>).
/// </summary>
internal class WebhookSender(IHttpClientFactory clients, string tool) : IToolSender
{
    /// <summary>A provider's answer is returned to the script up to this size; past it, cut and said so.</summary>
    public const int MaxBodyChars = 64 * 1024;

    /// <summary>What is read of an answer at most: enough for <see cref="MaxBodyChars"/> of any UTF-8, and no more.</summary>
    private const int MaxBodyBytes = MaxBodyChars * 4;

    public string Tool => tool;

    public async Task<ToolActionResult> SendAsync(string action, JsonElement credential, JsonElement parameters, CancellationToken cancellationToken)
    {
        if (action != "send") throw new ToolActionException($"{tool} supports the action 'send', not '{action}'.");
        if (!credential.TryGetProperty("url", out var urlElement) || urlElement.ValueKind != JsonValueKind.String
            || !Uri.TryCreate(urlElement.GetString(), UriKind.Absolute, out var url) || url.Scheme is not ("http" or "https"))
            throw new ToolActionException($"The {tool} credential needs a 'url' (http or https).");

        using var content = new StringContent(parameters.GetRawText(), Encoding.UTF8, "application/json");
        using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = content };
        // Headers first, then at most MaxBodyBytes of the body: a huge answer is never held whole.
        using var response = await clients.CreateClient(ToolActionsSetup.HttpClientName).SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        var (text, truncated) = await ReadCappedAsync(response.Content, cancellationToken);
        var data = Describe((int)response.StatusCode, response.Content.Headers.ContentType, text, truncated);
        return response.IsSuccessStatusCode
            ? new ToolActionResult(true, data, null)
            : new ToolActionResult(false, data, $"{tool} answered {(int)response.StatusCode} {response.ReasonPhrase}".TrimEnd());
    }

    private static async Task<(string Text, bool Truncated)> ReadCappedAsync(HttpContent content, CancellationToken cancellationToken)
    {
        await using var stream = await content.ReadAsStreamAsync(cancellationToken);
        var buffer = new byte[MaxBodyBytes + 1];
        var total = 0;
        int read;
        while (total < buffer.Length && (read = await stream.ReadAsync(buffer.AsMemory(total), cancellationToken)) > 0) total += read;
        var text = Encoding.UTF8.GetString(buffer, 0, Math.Min(total, MaxBodyBytes));
        var truncated = total > MaxBodyBytes || text.Length > MaxBodyChars;
        return (text.Length > MaxBodyChars ? text[..MaxBodyChars] : text, truncated);
    }

    private static RawJson Describe(int status, MediaTypeHeaderValue? type, string body, bool truncated)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteNumber("status", status);
            writer.WritePropertyName("body");
            if (!truncated && type?.MediaType?.EndsWith("json", StringComparison.OrdinalIgnoreCase) == true && IsJson(body))
                writer.WriteRawValue(body);
            else if (body.Length == 0)
                writer.WriteNullValue();
            else
                writer.WriteStringValue(body);
            if (truncated) writer.WriteBoolean("bodyTruncated", true);
            writer.WriteEndObject();
        }
        return new RawJson(Encoding.UTF8.GetString(buffer.ToArray()));
    }

    private static bool IsJson(string text)
    {
        try
        {
            using var _ = JsonDocument.Parse(text);
            return true;
        }
        catch (JsonException)
        {
            return false;
        }
    }
}

internal sealed class SlackSender(IHttpClientFactory clients) : WebhookSender(clients, "slack");

internal sealed class DiscordSender(IHttpClientFactory clients) : WebhookSender(clients, "discord");

internal sealed class GenericWebhookSender(IHttpClientFactory clients) : WebhookSender(clients, "webhook");

/// <summary>The action cannot be run as asked (bad action, bad credential, bad params): 422 <c>tool_failed</c>.</summary>
internal sealed class ToolActionException(string message) : Exception(message);
