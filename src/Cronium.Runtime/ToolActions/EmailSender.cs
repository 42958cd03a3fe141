using Cronium.Runtime.Json;
using MailKit.Net.Smtp;
using MailKit.Security;
using MimeKit;

namespace Cronium.Runtime.ToolActions;

/// <summary>
/// Email over SMTP (MailKit). The credential holds <c>host, port, username, password, from, useTls</c>; the
/// params <c>to</c> (an address or a list), <c>subject</c>, <c>body</c>, and optionally <c>cc</c>, <c>bcc</c>,
/// <c>html</c> (the HTML part, or <c>true</c> when <c>body</c> is HTML). The connection goes to an address <see cref="OutboundPolicy"/> allows, and the whole conversation
/// (connect, TLS, login, send) is bounded by one timeout. Any failure is <c>success: false</c> with a plain
/// reason that names neither the server's words nor the password: an SMTP credential must not become a way to
/// probe what listens where.
/// </summary>
internal sealed class EmailSender(OutboundPolicy policy, Microsoft.Extensions.Options.IOptions<ToolActionsOptions> options) : IToolSender
{
    private TimeSpan Timeout => TimeSpan.FromSeconds(options.Value.TimeoutSeconds);

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

        using var whole = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        whole.CancelAfter(Timeout);
        using var smtp = new SmtpClient { Timeout = (int)Timeout.TotalMilliseconds };
        // Until the server has greeted and the TLS asked for is up, every failure reads the same: closed, silent and
        // not-SMTP must not be told apart, or an SMTP credential becomes a port scanner.
        const string unreachable = "email: could not talk to the SMTP server (not reachable, not speaking SMTP, or without the TLS asked for)";
        var connected = false;
        var stage = "refused the login";
        try
        {
            var socket = await policy.ConnectAsync(host, port, whole.Token);
            await smtp.ConnectAsync(socket, host, port, useTls ? (port == 465 ? SecureSocketOptions.SslOnConnect : SecureSocketOptions.StartTls) : SecureSocketOptions.None, whole.Token);
            connected = true;
            if (Text(credential, "username") is { } user)
                await smtp.AuthenticateAsync(user, Text(credential, "password") ?? "", whole.Token);
            stage = "refused the message";
            var answer = await smtp.SendAsync(message, whole.Token);
            await smtp.DisconnectAsync(quit: true, whole.Token);
            return new ToolActionResult(true, Data(message.MessageId ?? "", answer), null);
        }
        catch (OutboundRefusedException e)
        {
            return new ToolActionResult(false, RawJson.Null, $"email: {e.Message}");
        }
        catch (Exception e) when (!connected && !(e is OperationCanceledException && cancellationToken.IsCancellationRequested))
        {
            return new ToolActionResult(false, RawJson.Null, unreachable);
        }
        catch (Exception e) when (e is TimeoutException || (e is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            return new ToolActionResult(false, RawJson.Null, $"email: the SMTP server did not finish within {Timeout.TotalSeconds:0} s");
        }
        catch (SmtpCommandException e)
        {
            return new ToolActionResult(false, RawJson.Null, $"email: the SMTP server {stage} ({(int)e.StatusCode})");
        }
        catch (Exception e) when (e is MailKit.ProtocolException or AuthenticationException or IOException or System.Net.Sockets.SocketException
                                   or SslHandshakeException or NotSupportedException or MailKit.ServiceNotConnectedException or MailKit.ServiceNotAuthenticatedException)
        {
            return new ToolActionResult(false, RawJson.Null, $"email: the SMTP server {stage}");
        }
    }

    private static RawJson Data(string messageId, string answer) =>
        new(JsonSerializer.Serialize(new Dictionary<string, string> { ["messageId"] = messageId, ["response"] = answer }, ToolActionsJson.Default.DictionaryStringString));

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
