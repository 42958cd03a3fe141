using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using Cronium.Runtime.Tests.Infrastructure;

namespace Cronium.Runtime.Tests;

/// <summary>Holes found in review, each proven closed: these failed before their fix.</summary>
public sealed class ReviewFindingTests(SqliteRuntime runtime) : IClassFixture<SqliteRuntime>
{
    private readonly RuntimeFactory factory = runtime.Factory;

    private static ByteArrayContent RawJson(byte[] body)
    {
        var content = new ByteArrayContent(body);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        return content;
    }

    private static byte[] WithInvalidUtf8(string before, string after) => [.. Encoding.UTF8.GetBytes(before), 0xFF, 0xFE, .. Encoding.UTF8.GetBytes(after)];

    [Theory]
    [InlineData("setVariable")]
    [InlineData("setOutput")]
    [InlineData("setUserVariable")]
    [InlineData("createExecution")]
    public async Task InvalidUtf8InsideAJsonValueIsInvalidJsonNotA500(string operation)
    {
        var e = await factory.CreateExecutionAsync();
        var (client, method, path, body) = operation switch
        {
            "setVariable" => (factory.Script(e), HttpMethod.Put, e.VariablePath("k"), WithInvalidUtf8("{\"value\":\"", "\"}")),
            "setOutput" => (factory.Script(e), HttpMethod.Put, $"/v1/executions/{e.ExecutionId}/output", WithInvalidUtf8("{\"data\":\"", "\"}")),
            "setUserVariable" => (factory.Orchestrator(), HttpMethod.Put, $"/v1/users/{e.UserId}/variables/k", WithInvalidUtf8("{\"value\":{\"a\":\"", "\"}}")),
            _ => (factory.Orchestrator(), HttpMethod.Post, "/v1/executions",
                WithInvalidUtf8("{\"event\":{\"id\":\"e\",\"name\":\"e\",\"type\":\"BASH\"},\"userId\":\"u\",\"input\":[\"", "\"]}")),
        };

        var response = await client.SendAsync(new HttpRequestMessage(method, path) { Content = RawJson(body) });

        var problem = await response.AssertProblemAsync(HttpStatusCode.BadRequest, "invalid_json");
        Assert.Contains("not valid UTF-8", (string)problem["detail"]!);
    }

    [Theory]
    [InlineData(null, "application/xml")]
    [InlineData(null, "text/html")]
    [InlineData("garbage.token.here", "application/xml")]
    [InlineData("garbage", "text/plain")]
    public async Task AnAuthFailureIsAProblemWhateverTheClientAccepts(string? token, string accept)
    {
        var e = await factory.CreateExecutionAsync();
        using var client = factory.Client(token);
        client.DefaultRequestHeaders.Accept.Add(new MediaTypeWithQualityHeaderValue(accept));

        var response = await client.GetAsync(e.VariablePath("k"));

        await response.AssertProblemAsync(HttpStatusCode.Unauthorized, "invalid_token");
    }

    [Fact]
    public async Task AnExecutionTokenOnAnOrchestratorRouteIsForbiddenWhateverTheClientAccepts()
    {
        var e = await factory.CreateExecutionAsync();
        using var client = factory.Script(e);
        client.DefaultRequestHeaders.Accept.Add(new MediaTypeWithQualityHeaderValue("application/xml"));

        var response = await client.GetAsync($"/v1/executions/{e.ExecutionId}");

        await response.AssertProblemAsync(HttpStatusCode.Forbidden, "forbidden");
    }

    [Fact]
    public async Task AnUnknownRouteIsAProblemWhateverTheClientAccepts()
    {
        using var client = factory.Client();
        client.DefaultRequestHeaders.Accept.Add(new MediaTypeWithQualityHeaderValue("text/html"));

        var response = await client.GetAsync("/v1/nowhere");

        await response.AssertProblemAsync(HttpStatusCode.NotFound, "not_found");
    }

    [Theory]
    [InlineData("foo%0A")]
    [InlineData("foo%0D%0A")]
    public async Task AKeyWithATrailingNewlineIsRefused(string key)
    {
        var e = await factory.CreateExecutionAsync();
        using var client = factory.Script(e);

        var response = await client.PutAsync($"/v1/executions/{e.ExecutionId}/variables/{key}", Api.Json(new { value = 1 }));
        var asUser = await factory.Orchestrator().GetAsync($"/v1/users/{e.UserId}%0A/variables/k");

        await response.AssertProblemAsync(HttpStatusCode.BadRequest, "validation_failed");
        await asUser.AssertProblemAsync(HttpStatusCode.BadRequest, "validation_failed");
    }

    [Fact]
    public async Task TokensSignedUnderACustomKeyIdStillWorkAfterRotation()
    {
        using var folder = new TempFolder();
        var path = Path.Combine(folder.Path, "runtime.db");
        var oldKey = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
        using var before = new RuntimeFactory(Backend.Sqlite, new Dictionary<string, string?> { ["Runtime:SigningKey"] = oldKey, ["Runtime:SigningKeyId"] = "2026-q3" }, sqlitePath: path);
        var e = await before.CreateExecutionAsync();
        using var after = new RuntimeFactory(Backend.Sqlite, new Dictionary<string, string?>
        {
            ["Runtime:SigningKey"] = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)),
            ["Runtime:SigningKeyId"] = "2026-q4",
            ["Runtime:PreviousSigningKeys:0"] = "2026-q3:" + oldKey,
        }, sqlitePath: path);

        var response = await after.Script(e).GetAsync($"/v1/executions/{e.ExecutionId}/input");

        Assert.Equal("2026-q3", new Microsoft.IdentityModel.JsonWebTokens.JsonWebToken(e.Token).Kid);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }
}
