using System.Net;
using System.Text.Json.Nodes;
using Cronium.Runtime.Tests.Infrastructure;

namespace Cronium.Runtime.Tests;

/// <summary>Variables through the HTTP API, on both storage backends.</summary>
public abstract class VariableApiSuite(RuntimeFactory factory)
{
    [Theory]
    [InlineData("\"plain text\"")]
    [InlineData("\"ünïcødé ✓ 日本語 🚀\"")]
    [InlineData("42")]
    [InlineData("-1.5e3")]
    [InlineData("1.0")]
    [InlineData("true")]
    [InlineData("null")]
    [InlineData("[1,\"two\",{\"three\":[null,false]}]")]
    [InlineData("{\"z\":1,\"a\":{\"nested\":{\"deep\":[1,2,3]}}}")]
    public async Task SetThenGetReturnsTheValueExactlyAsWritten(string json)
    {
        var e = await factory.CreateExecutionAsync();
        using var client = factory.Script(e);

        var set = await client.PutAsync(e.VariablePath("v"), Api.Json($"{{\"value\":{json}}}"));
        var get = await client.GetAsync(e.VariablePath("v"));

        Assert.Equal(HttpStatusCode.OK, set.StatusCode);
        Assert.Equal(1, (long)(await set.BodyAsync())["version"]!);
        Assert.Equal(HttpStatusCode.OK, get.StatusCode);
        var text = await get.Content.ReadAsStringAsync();
        Assert.Contains($"\"value\":{json},", text);
    }

    [Fact]
    public async Task GetMissingVariableReturnsNotFound()
    {
        var e = await factory.CreateExecutionAsync();
        using var client = factory.Script(e);

        var response = await client.GetAsync(e.VariablePath("nothing-here"));

        await response.AssertProblemAsync(HttpStatusCode.NotFound, "variable_not_found");
    }

    [Fact]
    public async Task SetVariableWithStaleVersionReturnsConflict()
    {
        var e = await factory.CreateExecutionAsync();
        using var client = factory.Script(e);
        await client.PutAsync(e.VariablePath("cas"), Api.Json(new { value = 1 }));
        await client.PutAsync(e.VariablePath("cas"), Api.Json(new { value = 2 }));

        var stale = await client.PutAsync(e.VariablePath("cas"), Api.Json(new { value = 3, ifVersion = 1 }));
        var fresh = await client.PutAsync(e.VariablePath("cas"), Api.Json(new { value = 3, ifVersion = 2 }));

        var problem = await stale.AssertProblemAsync(HttpStatusCode.Conflict, "version_conflict");
        Assert.Equal(2, (long)problem["currentVersion"]!);
        Assert.Equal(HttpStatusCode.OK, fresh.StatusCode);
        Assert.Equal(3, (long)(await fresh.BodyAsync())["version"]!);
    }

    [Fact]
    public async Task IfVersionZeroCreatesOnlyWhenAbsent()
    {
        var e = await factory.CreateExecutionAsync();
        using var client = factory.Script(e);

        var first = await client.PutAsync(e.VariablePath("once"), Api.Json(new { value = "a", ifVersion = 0 }));
        var second = await client.PutAsync(e.VariablePath("once"), Api.Json(new { value = "b", ifVersion = 0 }));

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        await second.AssertProblemAsync(HttpStatusCode.Conflict, "version_conflict");
        Assert.Equal("a", (string)(await (await client.GetAsync(e.VariablePath("once"))).BodyAsync())["value"]!);
    }

    [Fact]
    public async Task DeleteVariableThenGetReturnsNotFound()
    {
        var e = await factory.CreateExecutionAsync();
        using var client = factory.Script(e);
        await client.PutAsync(e.VariablePath("gone"), Api.Json(new { value = 1 }));

        var deleted = await client.DeleteAsync(e.VariablePath("gone"));
        var again = await client.DeleteAsync(e.VariablePath("gone"));
        var get = await client.GetAsync(e.VariablePath("gone"));

        Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        await again.AssertProblemAsync(HttpStatusCode.NotFound, "variable_not_found");
        await get.AssertProblemAsync(HttpStatusCode.NotFound, "variable_not_found");
    }

    [Fact]
    public async Task ListVariablesFiltersByPrefixAndPages()
    {
        var e = await factory.CreateExecutionAsync();
        using var client = factory.Script(e);
        foreach (var key in new[] { "cfg.c", "cfg.a", "cfg.b", "other" })
            await client.PutAsync(e.VariablePath(key), Api.Json(new { value = key }));

        var page1 = await (await client.GetAsync($"/v1/executions/{e.ExecutionId}/variables?prefix=cfg.&limit=2")).BodyAsync();
        var page2 = await (await client.GetAsync($"/v1/executions/{e.ExecutionId}/variables?prefix=cfg.&limit=2&after={page1["nextAfter"]}")).BodyAsync();

        Assert.Equal(["cfg.a", "cfg.b"], page1["items"]!.AsArray().Select(i => (string)i!["key"]!));
        Assert.Equal("cfg.b", (string?)page1["nextAfter"]);
        Assert.Equal(["cfg.c"], page2["items"]!.AsArray().Select(i => (string)i!["key"]!));
        Assert.Null(page2["nextAfter"]);
    }

    [Fact]
    public async Task VariablesAreSharedByTheUsersExecutionsAndNobodyElse()
    {
        var user = TestServices.UniqueUser();
        var writer = await factory.CreateExecutionAsync(user);
        var sameUser = await factory.CreateExecutionAsync(user);
        var otherUser = await factory.CreateExecutionAsync();
        using (var client = factory.Script(writer))
            await client.PutAsync(writer.VariablePath("shared"), Api.Json(new { value = "yes" }));

        using var same = factory.Script(sameUser);
        using var other = factory.Script(otherUser);
        var seen = await same.GetAsync(sameUser.VariablePath("shared"));
        var hidden = await other.GetAsync(otherUser.VariablePath("shared"));

        Assert.Equal("yes", (string)(await seen.BodyAsync())["value"]!);
        await hidden.AssertProblemAsync(HttpStatusCode.NotFound, "variable_not_found");
    }

    [Fact]
    public async Task OrchestratorManagesTheVariablesScriptsSee()
    {
        var e = await factory.CreateExecutionAsync();
        using var admin = factory.Orchestrator();
        using var script = factory.Script(e);

        var put = await admin.PutAsync($"/v1/users/{e.UserId}/variables/seeded", Api.Json(new { value = new { n = 1 } }));
        var fromScript = await script.GetAsync(e.VariablePath("seeded"));
        await script.PutAsync(e.VariablePath("seeded"), Api.Json(new { value = new { n = 2 } }));
        var fromAdmin = await admin.GetAsync($"/v1/users/{e.UserId}/variables/seeded");
        var list = await admin.GetAsync($"/v1/users/{e.UserId}/variables");
        var delete = await admin.DeleteAsync($"/v1/users/{e.UserId}/variables/seeded");
        var afterDelete = await script.GetAsync(e.VariablePath("seeded"));

        Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        Assert.Equal(1, (int)(await fromScript.BodyAsync())["value"]!["n"]!);
        var admins = await fromAdmin.BodyAsync();
        Assert.Equal((2, 2L), ((int)admins["value"]!["n"]!, (long)admins["version"]!));
        Assert.Equal(["seeded"], (await list.BodyAsync())["items"]!.AsArray().Select(i => (string)i!["key"]!));
        Assert.Equal(HttpStatusCode.NoContent, delete.StatusCode);
        await afterDelete.AssertProblemAsync(HttpStatusCode.NotFound, "variable_not_found");
    }

    [Fact]
    public async Task ValueOverTheLimitReturnsPayloadTooLargeWithLimitAndSize()
    {
        var e = await factory.CreateExecutionAsync();
        using var client = factory.Script(e);
        var big = new string('x', 1024 * 1024);

        var response = await client.PutAsync(e.VariablePath("big"), Api.Json(new JsonObject { ["value"] = big }));
        var justUnder = await client.PutAsync(e.VariablePath("fits"), Api.Json(new JsonObject { ["value"] = big[..(1024 * 1024 - 2)] }));

        var problem = await response.AssertProblemAsync(HttpStatusCode.RequestEntityTooLarge, "payload_too_large");
        Assert.Equal(1024 * 1024, (int)problem["limit"]!);
        Assert.Equal(1024 * 1024 + 2, (int)problem["received"]!);
        Assert.Equal(HttpStatusCode.OK, justUnder.StatusCode);
        await (await client.GetAsync(e.VariablePath("big"))).AssertProblemAsync(HttpStatusCode.NotFound, "variable_not_found");
    }

    [Fact]
    public async Task HundredConcurrentWritersThroughTheApiLoseNoUpdate()
    {
        var e = await factory.CreateExecutionAsync();
        var responses = await Task.WhenAll(Enumerable.Range(0, 100).Select(async i =>
        {
            using var client = factory.Script(e);
            return await client.PutAsync(e.VariablePath("hot"), Api.Json(new { value = i }));
        }));

        Assert.All(responses, r => Assert.Equal(HttpStatusCode.OK, r.StatusCode));
        var versions = await Task.WhenAll(responses.Select(async r => (long)(await r.BodyAsync())["version"]!));
        Assert.Equal(Enumerable.Range(1, 100).Select(v => (long)v), versions.Order());
        using var reader = factory.Script(e);
        Assert.Equal(100, (long)(await (await reader.GetAsync(e.VariablePath("hot"))).BodyAsync())["version"]!);
    }
}

public sealed class SqliteVariableApiTests(SqliteRuntime runtime) : VariableApiSuite(runtime.Factory), IClassFixture<SqliteRuntime>;

public sealed class PostgresVariableApiTests(PostgresRuntime runtime) : VariableApiSuite(runtime.Factory), IClassFixture<PostgresRuntime>;
