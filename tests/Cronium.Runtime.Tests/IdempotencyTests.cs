using System.Net;
using Cronium.Runtime.Tests.Infrastructure;

namespace Cronium.Runtime.Tests;

public abstract class IdempotencySuite(RuntimeFactory factory)
{
    [Fact]
    public async Task RetriedSetVariableWithTheSameKeyHasExactlyOneEffect()
    {
        var e = await factory.CreateExecutionAsync();
        using var client = factory.Script(e);

        var first = await client.SendAsync(Put(e.VariablePath("once"), "{\"value\":\"a\"}", "key-1"));
        var retry = await client.SendAsync(Put(e.VariablePath("once"), "{\"value\":\"a\"}", "key-1"));
        var current = await (await client.GetAsync(e.VariablePath("once"))).BodyAsync();

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal(HttpStatusCode.OK, retry.StatusCode);
        Assert.False(first.Headers.Contains("Idempotent-Replayed"));
        Assert.Equal("true", retry.Headers.GetValues("Idempotent-Replayed").Single());
        Assert.Equal(await first.Content.ReadAsStringAsync(), await retry.Content.ReadAsStringAsync());
        Assert.Equal(1, (long)current["version"]!);
    }

    [Fact]
    public async Task SameKeyWithADifferentBodyReturnsIdempotencyConflict()
    {
        var e = await factory.CreateExecutionAsync();
        using var client = factory.Script(e);
        await client.SendAsync(Put(e.VariablePath("k"), "{\"value\":1}", "key-2"));

        var response = await client.SendAsync(Put(e.VariablePath("k"), "{\"value\":2}", "key-2"));
        var otherPath = await client.SendAsync(Put(e.VariablePath("other"), "{\"value\":1}", "key-2"));

        await response.AssertProblemAsync(HttpStatusCode.UnprocessableEntity, "idempotency_conflict");
        await otherPath.AssertProblemAsync(HttpStatusCode.UnprocessableEntity, "idempotency_conflict");
        Assert.Equal(1, (int)(await (await client.GetAsync(e.VariablePath("k"))).BodyAsync())["value"]!);
    }

    [Fact]
    public async Task ConcurrentRetriesOfOneWriteHaveOneEffect()
    {
        var e = await factory.CreateExecutionAsync();

        var responses = await Task.WhenAll(Enumerable.Range(0, 10).Select(async _ =>
        {
            using var client = factory.Script(e);
            return await client.SendAsync(Put(e.VariablePath("race"), "{\"value\":{\"x\":1}}", "key-3"));
        }));

        Assert.All(responses, r => Assert.Equal(HttpStatusCode.OK, r.StatusCode));
        using var reader = factory.Script(e);
        Assert.Equal(1, (long)(await (await reader.GetAsync(e.VariablePath("race"))).BodyAsync())["version"]!);
    }

    [Fact]
    public async Task RetriedDeleteReplaysItsSuccessInsteadOfNotFound()
    {
        var e = await factory.CreateExecutionAsync();
        using var client = factory.Script(e);
        await client.PutAsync(e.VariablePath("d"), Api.Json(new { value = 1 }));

        var first = await client.SendAsync(WithKey(new HttpRequestMessage(HttpMethod.Delete, e.VariablePath("d")), "key-4"));
        var retry = await client.SendAsync(WithKey(new HttpRequestMessage(HttpMethod.Delete, e.VariablePath("d")), "key-4"));

        Assert.Equal(HttpStatusCode.NoContent, first.StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, retry.StatusCode);
        Assert.Equal("true", retry.Headers.GetValues("Idempotent-Replayed").Single());
    }

    [Fact]
    public async Task RefusedWritesAreNotRememberedSoTheSameRequestCanSucceedLater()
    {
        var e = await factory.CreateExecutionAsync();
        using var client = factory.Script(e);
        await client.PutAsync(e.VariablePath("slot"), Api.Json(new { value = "taken" }));

        var refused = await client.SendAsync(Put(e.VariablePath("slot"), "{\"value\":\"mine\",\"ifVersion\":0}", "key-5"));
        await client.DeleteAsync(e.VariablePath("slot"));
        var later = await client.SendAsync(Put(e.VariablePath("slot"), "{\"value\":\"mine\",\"ifVersion\":0}", "key-5"));

        await refused.AssertProblemAsync(HttpStatusCode.Conflict, "version_conflict");
        Assert.Equal(HttpStatusCode.OK, later.StatusCode);
        Assert.False(later.Headers.Contains("Idempotent-Replayed"));
    }

    [Fact]
    public async Task KeysBelongToOneExecution()
    {
        var user = TestServices.UniqueUser();
        var a = await factory.CreateExecutionAsync(user);
        var b = await factory.CreateExecutionAsync(user);

        var fromA = await factory.Script(a).SendAsync(Put(a.VariablePath("n"), "{\"value\":1}", "shared-key"));
        var fromB = await factory.Script(b).SendAsync(Put(b.VariablePath("n"), "{\"value\":1}", "shared-key"));

        Assert.Equal(1, (long)(await fromA.BodyAsync())["version"]!);
        Assert.Equal(2, (long)(await fromB.BodyAsync())["version"]!);
    }

    [Fact]
    public async Task RetriedOutputAndConditionAreReplayed()
    {
        var e = await factory.CreateExecutionAsync();
        using var client = factory.Script(e);

        var output = await client.SendAsync(Put($"/v1/executions/{e.ExecutionId}/output", "{\"data\":[1]}", "key-6"));
        var outputRetry = await client.SendAsync(Put($"/v1/executions/{e.ExecutionId}/output", "{\"data\":[1]}", "key-6"));
        var condition = await client.SendAsync(Put($"/v1/executions/{e.ExecutionId}/condition", "{\"condition\":false}", "key-7"));
        var conditionRetry = await client.SendAsync(Put($"/v1/executions/{e.ExecutionId}/condition", "{\"condition\":false}", "key-7"));

        Assert.Equal((HttpStatusCode.NoContent, HttpStatusCode.NoContent), (output.StatusCode, outputRetry.StatusCode));
        Assert.Equal((HttpStatusCode.NoContent, HttpStatusCode.NoContent), (condition.StatusCode, conditionRetry.StatusCode));
        Assert.True(outputRetry.Headers.Contains("Idempotent-Replayed"));
        Assert.True(conditionRetry.Headers.Contains("Idempotent-Replayed"));
    }

    [Fact]
    public async Task RetriedCreateExecutionReturnsTheSameExecutionAndAWorkingToken()
    {
        using var admin = factory.Orchestrator();
        const string body = "{\"event\":{\"id\":\"e\",\"name\":\"n\",\"type\":\"BASH\"},\"userId\":\"idem-user\"}";

        var first = await admin.SendAsync(WithKey(new HttpRequestMessage(HttpMethod.Post, "/v1/executions") { Content = Api.Json(body) }, "create-1"));
        var retry = await admin.SendAsync(WithKey(new HttpRequestMessage(HttpMethod.Post, "/v1/executions") { Content = Api.Json(body) }, "create-1"));

        Assert.Equal((HttpStatusCode.Created, HttpStatusCode.Created), (first.StatusCode, retry.StatusCode));
        var (a, b) = (await first.BodyAsync(), await retry.BodyAsync());
        Assert.Equal((string)a["executionId"]!, (string)b["executionId"]!);
        Assert.Equal((string)a["token"]!, (string)b["token"]!);
        var e = new Execution((string)b["executionId"]!, (string)b["token"]!, "idem-user");
        Assert.Equal(HttpStatusCode.OK, (await factory.Script(e).GetAsync($"/v1/executions/{e.ExecutionId}/input")).StatusCode);
    }

    [Fact]
    public async Task IdempotencyRecordsNeverHoldTheToken()
    {
        using var admin = factory.Orchestrator();
        var response = await admin.SendAsync(WithKey(new HttpRequestMessage(HttpMethod.Post, "/v1/executions")
        {
            Content = Api.Json("{\"event\":{\"id\":\"e\",\"name\":\"n\",\"type\":\"BASH\"},\"userId\":\"secret-user\"}"),
        }, "create-2"));
        var token = (string)(await response.BodyAsync())["token"]!;

        await using var connection = await factory.Service<Storage.SqlDialect>().DataSource.OpenConnectionAsync();
        var stored = await Dapper.SqlMapper.QuerySingleAsync<string>(connection, "SELECT response_body FROM idempotency_keys WHERE key = 'create-2'");

        Assert.DoesNotContain(token, stored);
        Assert.Contains("\"token\":null", stored);
    }

    private static HttpRequestMessage Put(string path, string body, string key) =>
        WithKey(new HttpRequestMessage(HttpMethod.Put, path) { Content = Api.Json(body) }, key);

    private static HttpRequestMessage WithKey(HttpRequestMessage request, string key)
    {
        request.Headers.Add("Idempotency-Key", key);
        return request;
    }
}

public sealed class SqliteIdempotencyTests(SqliteRuntime runtime) : IdempotencySuite(runtime.Factory), IClassFixture<SqliteRuntime>;

public sealed class PostgresIdempotencyTests(PostgresRuntime runtime) : IdempotencySuite(runtime.Factory), IClassFixture<PostgresRuntime>;
