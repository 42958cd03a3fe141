using System.Net;
using Cronium.Runtime.Storage;
using Cronium.Runtime.Tests.Infrastructure;
using Dapper;

namespace Cronium.Runtime.Tests;

public sealed class CredentialTests(SqliteRuntime runtime) : IClassFixture<SqliteRuntime>
{
    private readonly RuntimeFactory factory = runtime.Factory;

    [Fact]
    public async Task CredentialsAreWriteOnlyAndEncryptedAtRest()
    {
        var user = TestServices.UniqueUser();
        using var admin = factory.Orchestrator();

        var put = await admin.PutAsync($"/v1/users/{user}/tool-credentials/team-slack", Api.Json(new { tool = "slack", secret = new { url = "http://127.0.0.1:9/very-secret-path" } }));
        var list = await admin.GetAsync($"/v1/users/{user}/tool-credentials");

        Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        var body = await put.Content.ReadAsStringAsync();
        Assert.DoesNotContain("very-secret-path", body);
        Assert.Contains("\"tool\":\"slack\"", body);
        var listed = await list.Content.ReadAsStringAsync();
        Assert.Contains("team-slack", listed);
        Assert.DoesNotContain("very-secret-path", listed);
        await using var connection = await factory.Service<SqlDialect>().DataSource.OpenConnectionAsync();
        var stored = await connection.QuerySingleAsync<string>("SELECT secret FROM tool_credentials WHERE user_id = @User", new { User = user });
        Assert.DoesNotContain("very-secret-path", stored);
        Assert.DoesNotContain("very-secret-path", System.Text.Encoding.UTF8.GetString(Convert.FromBase64String(stored)));
    }

    [Fact]
    public void CiphertextMovedToAnotherUserDoesNotDecrypt()
    {
        var cipher = factory.Service<ToolActions.CredentialCipher>();
        var (keyId, secret) = cipher.Encrypt("alice", "slack", "slack", "{\"url\":\"x\"}");

        Assert.Equal("{\"url\":\"x\"}", cipher.Decrypt("alice", "slack", "slack", keyId, secret));
        Assert.Null(cipher.Decrypt("mallory", "slack", "slack", keyId, secret));
        Assert.Null(cipher.Decrypt("alice", "other", "slack", keyId, secret));
        Assert.Null(cipher.Decrypt("alice", "slack", "webhook", keyId, secret));
    }

    [Fact]
    public async Task DeletingACredentialThatIsNotThereIsNotFound()
    {
        using var admin = factory.Orchestrator();
        var user = TestServices.UniqueUser();
        await admin.PutAsync($"/v1/users/{user}/tool-credentials/hook", Api.Json(new { tool = "webhook", secret = new { url = "http://127.0.0.1:9/" } }));

        var deleted = await admin.DeleteAsync($"/v1/users/{user}/tool-credentials/hook");
        var again = await admin.DeleteAsync($"/v1/users/{user}/tool-credentials/hook");

        Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        await again.AssertProblemAsync(HttpStatusCode.NotFound, "credential_not_found");
    }

    [Theory]
    [InlineData("{\"tool\":\"fax\",\"secret\":{}}", "tool")]
    [InlineData("{\"tool\":\"slack\",\"secret\":\"plain\"}", "secret")]
    public async Task InvalidCredentialsAreRefused(string body, string field)
    {
        using var admin = factory.Orchestrator();

        var response = await admin.PutAsync($"/v1/users/u/tool-credentials/c", Api.Json(body));

        var problem = await response.AssertProblemAsync(HttpStatusCode.BadRequest, "validation_failed");
        Assert.NotNull(problem["errors"]![field]);
    }

    [Fact]
    public async Task ToolActionWithAMissingCredentialIsCredentialNotFound()
    {
        var e = await factory.CreateExecutionAsync();

        var response = await factory.Script(e).PostAsync($"/v1/executions/{e.ExecutionId}/tool-actions",
            Api.Json(new { tool = "email", action = "send", @params = new { to = "a@b.c" } }));

        await response.AssertProblemAsync(HttpStatusCode.NotFound, "credential_not_found");
    }

    [Fact]
    public async Task ToolActionWithACredentialForAnotherToolFails()
    {
        var e = await factory.CreateExecutionAsync();
        await factory.Orchestrator().PutAsync($"/v1/users/{e.UserId}/tool-credentials/mine", Api.Json(new { tool = "discord", secret = new { url = "http://127.0.0.1:9/" } }));

        var response = await factory.Script(e).PostAsync($"/v1/executions/{e.ExecutionId}/tool-actions",
            Api.Json(new { tool = "slack", action = "send", credential = "mine", @params = new { text = "hi" } }));

        var problem = await response.AssertProblemAsync(HttpStatusCode.UnprocessableEntity, "tool_failed");
        Assert.Contains("discord", (string)problem["detail"]!);
    }
}
