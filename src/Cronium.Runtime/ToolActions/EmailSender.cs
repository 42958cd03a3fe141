using System.Text.Json;
using Cronium.Runtime.Json;
using MailKit.Net.Smtp;
using MailKit.Security;
using MimeKit;

namespace Cronium.Runtime.ToolActions;

/// <summary>
/// Email over SMTP (MailKit). The credential holds <c>host, port, username, password, from, useTls</c>; the
/// params <c>to</c> (an address or a list), <c>subject</c>, <c>body</c>, and optionally <c>cc</c>, <c>bcc</c>,
/// <c>html</c> (the HTML part, or <c>true</c> when <c>body</c> is HTML). The server's refusal comes back as <c>success: false</c>, never the password.
/// </summary>
internal sealed class EmailSender : IToolSender
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    public string Tool => "email";

    public async Task<ToolActionResult> SendAsync(string action, JsonElement credential, JsonElement parameters, CancellationToken cancellationToken)
    {
        if (action != "send") throw new ToolActionException($"email supports the action 'send', not '{action}'.");
        var host = Text(credential, "host") ?? throw new ToolActionException("The email credential needs a 'host'.");
        var port = credential.TryGetProperty("port", out var p) && p.TryGetInt32(out var n) ? n : 587;
        var from = Text(credential, "from") ?? throw new ToolActionException("The email credential needs a 'from' address.");
        var useTls = !credential.TryGetProperty("useTls", out var tls) || tls.ValueKind != JsonValueKind.False;

        var message = new MimeMessage();
        message.From.Add(Address(from, "from"));
        AddAll(message.To, parameters, "to", required: true);
        AddAll(message.Cc, parameters, "cc", required: false);
        AddAll(message.Bcc, parameters, "bcc", required: false);
        message.Subject = Text(parameters, "subject") ?? "";
        // html: the HTML part as text, or true when body itself is HTML (Cronium's `--html` / html=True).
        var bodyIsHtml = parameters.TryGetProperty("html", out var html) && html.ValueKind == JsonValueKind.True;
        var body = bodyIsHtml
            ? new BodyBuilder { HtmlBody = Text(parameters, "body") ?? "" }
            : new BodyBuilder { TextBody = Text(parameters, "body") ?? "", HtmlBody = Text(parameters, "html") };
        message.Body = body.ToMessageBody();

        using var smtp = new SmtpClient { Timeout = (int)Timeout.TotalMilliseconds };
        try
        {
            await smtp.ConnectAsync(host, port, useTls ? (port == 465 ? SecureSocketOptions.SslOnConnect : SecureSocketOptions.StartTls) : SecureSocketOptions.None, cancellationToken);
            if (Text(credential, "username") is { } user)
                await smtp.AuthenticateAsync(user, Text(credential, "password") ?? "", cancellationToken);
            var answer = await smtp.SendAsync(message, cancellationToken);
            await smtp.DisconnectAsync(quit: true, cancellationToken);
            return new ToolActionResult(true, Data(message.MessageId ?? "", answer), null);
        }
        catch (Exception e) when (e is SmtpCommandException or SmtpProtocolException or AuthenticationException or IOException or System.Net.Sockets.SocketException or SslHandshakeException)
        {
            return new ToolActionResult(false, RawJson.Null, $"SMTP {host}:{port}: {e.Message}");
        }
    }

    private static RawJson Data(string messageId, string answer) =>
        new(JsonSerializer.Serialize(new Dictionary<string, string> { ["messageId"] = messageId, ["response"] = answer }));

    private static string? Text(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String && value.GetString() is { Length: > 0 } text ? text : null;

    private static void AddAll(InternetAddressList list, JsonElement parameters, string name, bool required)
    {
        if (!parameters.TryGetProperty(name, out var value))
        {
            if (required) throw new ToolActionException($"email needs params.{name} (an address or a list of addresses).");
            return;
        }
        var addresses = value.ValueKind == JsonValueKind.Array ? value.EnumerateArray().ToList() : [value];
        if (addresses.Count == 0 && required) throw new ToolActionException($"email needs at least one address in params.{name}.");
        foreach (var address in addresses)
            list.Add(address.ValueKind == JsonValueKind.String ? Address(address.GetString()!, $"params.{name}") : throw new ToolActionException($"params.{name} must hold addresses as text."));
    }

    private static MailboxAddress Address(string text, string field) =>
        MailboxAddress.TryParse(text, out var address) ? address : throw new ToolActionException($"'{text}' in {field} is not an email address.");
}
