using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Cronium.Runtime.Json;

namespace Cronium.Runtime.ToolActions;

/// <summary>
/// Slack, Discord and generic webhooks: the action's params are POSTed as JSON to the credential's <c>url</c>
/// (Slack reads <c>text</c>, Discord <c>content</c>). The provider's answer comes back as
/// <c>{status, body}</c>; a non-2xx answer is <c>success: false</c> with the reason in <c>error</c>.
/// </summary>
internal class WebhookSender(IHttpClientFactory clients, string tool) : IToolSender
{
    /// <summary>A provider's answer is returned to the script up to this size; past it, cut and said so.</summary>
    public const int MaxBodyChars = 64 * 1024;

    public string Tool => tool;

    public async Task<ToolActionResult> SendAsync(string action, JsonElement credential, JsonElement parameters, CancellationToken cancellationToken)
    {
        if (action != "send") throw new ToolActionException($"{tool} supports the action 'send', not '{action}'.");
        if (!credential.TryGetProperty("url", out var urlElement) || urlElement.ValueKind != JsonValueKind.String
            || !Uri.TryCreate(urlElement.GetString(), UriKind.Absolute, out var url) || url.Scheme is not ("http" or "https"))
            throw new ToolActionException($"The {tool} credential needs a 'url' (http or https).");

        using var content = new StringContent(parameters.GetRawText(), Encoding.UTF8, "application/json");
        using var response = await clients.CreateClient(ToolActionsApi.HttpClientName).PostAsync(url, content, cancellationToken);
        var text = await response.Content.ReadAsStringAsync(cancellationToken);
        var data = Describe((int)response.StatusCode, response.Content.Headers.ContentType, text);
        return response.IsSuccessStatusCode
            ? new ToolActionResult(true, data, null)
            : new ToolActionResult(false, data, $"{tool} answered {(int)response.StatusCode} {response.ReasonPhrase}".TrimEnd());
    }

    private static RawJson Describe(int status, MediaTypeHeaderValue? type, string text)
    {
        var truncated = text.Length > MaxBodyChars;
        var body = truncated ? text[..MaxBodyChars] : text;
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
