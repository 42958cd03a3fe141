using System.Net;
using System.Text.Json.Nodes;
using Cronium.Runtime.Tests.Infrastructure;

namespace Cronium.Runtime.Tests;

/// <summary>Tool actions sent for real, to a webhook and an SMTP server on loopback standing in for the providers.</summary>
public sealed class ToolActionTests(SqliteRuntime runtime) : IClassFixture<SqliteRuntime>, IDisposable
{
    private readonly RuntimeFactory factory = runtime.Factory;
    private readonly LocalWebhook webhook = new();
    private readonly LocalSmtp smtp = new();

    [Theory]
    [InlineData("slack", "{\"text\":\"hello ✓\"}")]
    [InlineData("discord", "{\"content\":\"hi there\"}")]
    [InlineData("webhook", "{\"payload\":{\"n\":1,\"s\":\"x\"}}")]
    public async Task WebhookToolsPostTheParamsToTheStoredUrlAndReturnTheProvidersAnswer(string tool, string parameters)
    {
        var e = await factory.CreateExecutionAsync();
        await PutCredentialAsync(e.UserId, tool, new { tool, secret = new { url = webhook.Url($"/{tool}/secret-path") } });

        var response = await factory.Script(e).PostAsync($"/v1/executions/{e.ExecutionId}/tool-actions",
            Api.Json($"{{\"tool\":\"{tool}\",\"action\":\"send\",\"params\":{parameters}}}"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var result = await response.BodyAsync();
        Assert.True((bool)result["success"]!);
        Assert.Null(result["error"]);
        Assert.Equal((200, "ok"), ((int)result["data"]!["status"]!, (string)result["data"]!["body"]!));
        Assert.Contains((($"/{tool}/secret-path"), parameters), webhook.Received);
        Assert.DoesNotContain("secret-path", result.ToJsonString());
    }

    [Fact]
    public async Task AFailingProviderIsSuccessFalseWithItsAnswer()
    {
        var e = await factory.CreateExecutionAsync();
        await PutCredentialAsync(e.UserId, "slack", new { tool = "slack", secret = new { url = webhook.Url("/fail") } });

        var result = await (await factory.Script(e).PostAsync($"/v1/executions/{e.ExecutionId}/tool-actions",
            Api.Json(new { tool = "slack", action = "send", @params = new { text = "x" } }))).BodyAsync();

        Assert.False((bool)result["success"]!);
        Assert.Equal(500, (int)result["data"]!["status"]!);
        Assert.Equal("provider exploded", (string)result["data"]!["body"]!);
        Assert.StartsWith("slack answered 500", (string)result["error"]!);
    }

    [Fact]
    public async Task AnUnreachableProviderIsSuccessFalseAndTheUrlIsNeverShown()
    {
        var e = await factory.CreateExecutionAsync();
        await PutCredentialAsync(e.UserId, "hook", new { tool = "webhook", secret = new { url = $"http://127.0.0.1:{LocalWebhook.FreePort()}/token-abc" } });

        var response = await factory.Script(e).PostAsync($"/v1/executions/{e.ExecutionId}/tool-actions",
            Api.Json(new { tool = "webhook", action = "send", credential = "hook", @params = new { } }));

        var text = await response.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.False((bool)JsonNode.Parse(text)!["success"]!);
        Assert.DoesNotContain("token-abc", text);
        Assert.DoesNotContain("token-abc", string.Join("\n", factory.Logs));
    }

    [Fact]
    public async Task EmailGoesOutThroughSmtp()
    {
        var e = await factory.CreateExecutionAsync();
        await PutCredentialAsync(e.UserId, "email", new { tool = "email", secret = new { label = Canary.Marker, host = "127.0.0.1", port = smtp.Port, username = "", password = "", from = "cronium@example.test", useTls = false } });

        var result = await (await factory.Script(e).PostAsync($"/v1/executions/{e.ExecutionId}/tool-actions",
            Api.Json(new { tool = "email", action = "send", @params = new { to = new[] { "ops@example.test", "dev@example.test" }, subject = "Nightly report", body = "All good." } }))).BodyAsync();

        Assert.True((bool)result["success"]!, result.ToJsonString());
        var mail = Assert.Single(smtp.Messages);
        Assert.Contains("cronium@example.test", mail.From);
        Assert.Equal(2, mail.To.Count);
        Assert.Contains("Subject: Nightly report", mail.Data);
        Assert.Contains("All good.", mail.Data);
        Assert.False(string.IsNullOrEmpty((string?)result["data"]!["messageId"]));
    }

    [Theory]
    [InlineData("slack", "{\"channel\":\"#ops\",\"text\":\"from an old script\"}")]
    [InlineData("discord", "{\"channelId\":\"42\",\"content\":\"from an old script\"}")]
    public async Task SendMessageIsCroniumsNameForSend(string tool, string parameters)
    {
        var e = await factory.CreateExecutionAsync();
        await PutCredentialAsync(e.UserId, tool, new { tool, secret = new { url = webhook.Url($"/{tool}/legacy") } });

        var result = await (await factory.Script(e).PostAsync($"/v1/executions/{e.ExecutionId}/tool-actions",
            Api.Json($"{{\"tool\":\"{tool}\",\"action\":\"send_message\",\"params\":{parameters}}}"))).BodyAsync();

        Assert.True((bool)result["success"]!, result.ToJsonString());
        Assert.Contains(($"/{tool}/legacy", parameters), webhook.Received);
    }

    [Fact]
    public async Task HtmlTrueSendsTheBodyAsHtmlWithCopies()
    {
        var e = await factory.CreateExecutionAsync();
        await PutCredentialAsync(e.UserId, "email", new { tool = "email", secret = new { host = "127.0.0.1", port = smtp.Port, from = "cronium@example.test", useTls = false } });

        var result = await (await factory.Script(e).PostAsync($"/v1/executions/{e.ExecutionId}/tool-actions",
            Api.Json(new { tool = "email", action = "send_message", @params = new { to = new[] { "ops@example.test" }, cc = new[] { "cc@example.test" }, bcc = "bcc@example.test", subject = "Report", body = "<p>All <b>good</b></p>", html = true } }))).BodyAsync();

        Assert.True((bool)result["success"]!, result.ToJsonString());
        var mail = Assert.Single(smtp.Messages);
        Assert.Equal(["RCPT TO:<ops@example.test>", "RCPT TO:<cc@example.test>", "RCPT TO:<bcc@example.test>"], mail.To);
        Assert.DoesNotContain("bcc@example.test", mail.Data); // a blind copy stays blind
        Assert.Contains("Content-Type: text/html", mail.Data);
        Assert.DoesNotContain("text/plain", mail.Data);
        Assert.Contains("<b>good</b>", mail.Data);
    }

    [Theory]
    [InlineData("{\"tool\":\"slack\",\"action\":\"delete\",\"params\":{\"text\":\"x\"}}", "supports the action 'send'")]
    [InlineData("{\"tool\":\"email\",\"action\":\"send\",\"params\":{\"subject\":\"no recipient\"}}", "params.to")]
    public async Task AnActionTheToolCannotRunIsToolFailed(string body, string detail)
    {
        var e = await factory.CreateExecutionAsync();
        await PutCredentialAsync(e.UserId, "slack", new { tool = "slack", secret = new { url = webhook.Url("/slack") } });
        await PutCredentialAsync(e.UserId, "email", new { tool = "email", secret = new { label = Canary.Marker, host = "127.0.0.1", port = smtp.Port, from = "a@b.test", useTls = false } });

        var response = await factory.Script(e).PostAsync($"/v1/executions/{e.ExecutionId}/tool-actions", Api.Json(body));

        var problem = await response.AssertProblemAsync(HttpStatusCode.UnprocessableEntity, "tool_failed");
        Assert.Contains(detail, (string)problem["detail"]!);
    }

    [Fact]
    public async Task ARetriedToolActionWithTheSameKeySendsOnce()
    {
        var e = await factory.CreateExecutionAsync();
        await PutCredentialAsync(e.UserId, "slack", new { tool = "slack", secret = new { url = webhook.Url("/once") } });
        HttpRequestMessage Request()
        {
            var request = new HttpRequestMessage(HttpMethod.Post, $"/v1/executions/{e.ExecutionId}/tool-actions") { Content = Api.Json(new { tool = "slack", action = "send", @params = new { text = "only once" } }) };
            request.Headers.Add("Idempotency-Key", "send-1");
            return request;
        }

        var first = await factory.Script(e).SendAsync(Request());
        var retry = await factory.Script(e).SendAsync(Request());

        Assert.Equal((HttpStatusCode.OK, HttpStatusCode.OK), (first.StatusCode, retry.StatusCode));
        Assert.True(retry.Headers.Contains("Idempotent-Replayed"));
        Assert.Single(webhook.Received, r => r.Path == "/once");
    }

    public void Dispose()
    {
        webhook.Dispose();
        smtp.Dispose();
    }

    private async Task PutCredentialAsync(string user, string name, object body) =>
        Assert.Equal(HttpStatusCode.OK, (await factory.Orchestrator().PutAsync($"/v1/users/{user}/tool-credentials/{name}", Api.Json(body))).StatusCode);
}
