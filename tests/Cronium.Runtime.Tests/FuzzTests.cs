using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Cronium.Runtime.Storage;
using Cronium.Runtime.Tests.Infrastructure;
using CsCheck;
using Dapper;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Cronium.Runtime.Tests;

/// <summary>
/// Property-based: for every operation in openapi.yaml, requests built to break it (wrong types, missing fields, huge
/// strings, deep nesting, invalid UTF-8, odd content types and headers, hostile path segments, wrong credentials),
/// and valid ones beside them. Whatever arrives: never a 5xx, every refusal a problem document with a code the
/// contract names, and nothing stored by a refused request. CsCheck prints the seed of a failing case to replay it.
/// </summary>
public sealed class FuzzTests : IAsyncLifetime
{
    private static readonly string[] Junk = ["%00", "%0A", "..", "%2e%2e", "a%2Fb", "日本語", "%FF%FE", "%20", new string('a', 300), "-", "x%0D%0Ay"];
    private static readonly string[] OddAccept = ["application/xml", "text/html", "*/*;q=0", "image/png, text/csv", "application/json;;;"];
    private static readonly string[] OddContentTypes = ["text/plain", "application/xml", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", "application/json; charset=latin1"];

    // A real Kestrel, not the in-memory test server: what a hostile client meets is Kestrel's own parsing too.
    private static readonly string[] ProtocolLevel = ["%00", "%0A", "%0D"];

    private readonly RuntimeFactory settings = new(Backend.Sqlite);
    private readonly HashSet<string> codes = OpenApiContract.Instance.Document["components"]!["schemas"]!["ProblemCode"]!["enum"]!.AsArray().Select(c => (string)c!).ToHashSet();
    private WebApplication app = null!;
    private HttpClient http = null!;

    public async Task InitializeAsync()
    {
        app = Program.CreateApp(["--urls", "http://127.0.0.1:0"], b => b.Configuration.AddInMemoryCollection(settings.Settings));
        await app.StartAsync();
        // UTF-8 header values go out as bytes (HttpClient refuses them otherwise): the server must cope with them.
        http = new HttpClient(new SocketsHttpHandler { RequestHeaderEncodingSelector = (_, _) => Encoding.UTF8 }) { BaseAddress = new Uri(app.Urls.Single()) };
    }

    public async Task DisposeAsync()
    {
        http.Dispose();
        await app.StopAsync();
        await app.DisposeAsync();
        settings.Dispose();
    }

    /// <summary>One generated case: which operation, and how each part of the request is bent (0 = left valid).</summary>
    private sealed record Case(int Operation, int Path, int Body, int Headers, int Auth, int Pick, int Size, JsonNode? Random);

    private static readonly Gen<JsonNode?> RandomJson = Gen.Recursive<JsonNode?>((depth, self) =>
        depth > 3
            ? Gen.OneOf<JsonNode?>(Gen.Int.Select(i => (JsonNode?)JsonValue.Create(i)), Gen.String.Select(s => (JsonNode?)JsonValue.Create(s)), Gen.Const((JsonNode?)null), Gen.Bool.Select(b => (JsonNode?)JsonValue.Create(b)))
            : Gen.OneOf<JsonNode?>(
                Gen.Double.Select(d => (JsonNode?)(double.IsFinite(d) ? JsonValue.Create(d) : JsonValue.Create(0))),
                Gen.String.Select(s => (JsonNode?)JsonValue.Create(s)),
                Gen.Const((JsonNode?)null),
                self.Array[0, 3].Select(a => (JsonNode?)new JsonArray(a.Select(x => x?.DeepClone()).ToArray())),
                Gen.Select(Gen.String[1, 8].Array[0, 3], self.Array[3], (keys, values) =>
                    (JsonNode?)new JsonObject(keys.Distinct().Zip(values).Select(kv => KeyValuePair.Create(kv.First, kv.Second?.DeepClone())))))
    );

    private static readonly Gen<Case> Cases = Gen.Select(
        Gen.Int[0, OpenApiContract.Instance.Operations.Count - 1], Gen.Int[0, 4], Gen.Int[0, 11], Gen.Int[0, 4],
        Gen.Int[0, 4], Gen.Int[0, 1000], Gen.Int[1, 3000], RandomJson,
        (op, path, body, headers, auth, pick, size, random) => new Case(op, path, body, headers, auth, pick, size, random));

    [Fact]
    public async Task NoRequestBuiltToBreakAnOperationGetsA5xxAProblemOutsideTheContractOrLeavesATrace()
    {
        await Cases.SampleAsync(RunCaseAsync, iter: 500, threads: 1, print: c => $"{OpenApiContract.Instance.Operations[c.Operation].Id} {c}");
    }

    private async Task RunCaseAsync(Case c)
    {
        var operation = OpenApiContract.Instance.Operations[c.Operation];
        var e = await CreateExecutionAsync();
        var runId = (string)(await OrchestratorAsync(HttpMethod.Post, "/v1/runs", new JsonObject
        {
            ["kind"] = "workflow", ["name"] = "fuzz", ["userId"] = e.UserId, ["nodes"] = new JsonArray(new JsonObject { ["id"] = "a", ["kind"] = "event" }),
        }))["runId"]!;
        var before = await SnapshotAsync();

        using var request = Build(operation, c, e, runId);
        HttpResponseMessage response;
        try
        {
            response = await http.SendAsync(request);
        }
        catch (HttpRequestException ex) when (ex.InnerException is IOException)
        {
            // Refused before the whole body was read (no credentials, no route): Kestrel answers and closes rather
            // than drain a large body. Whatever it answered, nothing may have been stored.
            Assert.Equal(before, await SnapshotAsync());
            return;
        }
        var status = (int)response.StatusCode;
        var text = await response.Content.ReadAsStringAsync();

        Assert.True(status < 500, $"{operation.Id}: {status} {text}");
        // Kestrel itself refuses a request line it cannot take (a NUL or a line break decoded into the path) with a
        // bare 400 before any of the runtime runs: the one refusal that is not a problem document.
        var refusedByKestrel = status == 400 && text.Length == 0 && ProtocolLevel.Any(request.RequestUri!.OriginalString.Contains);
        if (status >= 400 && !refusedByKestrel)
        {
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            var problem = JsonNode.Parse(text)!;
            Assert.True(codes.Contains((string?)problem["code"] ?? ""), $"{operation.Id}: code {(string?)problem["code"]} is not in the contract: {text}");
            Assert.Equal(status, (int)problem["status"]!);
            Assert.False(string.IsNullOrEmpty((string?)problem["traceId"]));
            Assert.Equal(before, await SnapshotAsync());
        }
    }

    private HttpRequestMessage Build(ContractOperation operation, Case c, Execution e, string runId)
    {
        var path = operation.Path
            .Replace("{executionId}", e.ExecutionId).Replace("{userId}", e.UserId).Replace("{key}", "k").Replace("{name}", "cred")
            .Replace("{runId}", runId).Replace("{nodeId}", "a");
        if (c.Path > 0)
        {
            // One path segment replaced with something hostile.
            var segments = path.Split('/');
            segments[1 + c.Pick % (segments.Length - 1)] = Junk[c.Pick % Junk.Length];
            path = string.Join('/', segments);
        }
        var request = new HttpRequestMessage(new HttpMethod(operation.Method), path);

        var script = operation.Node["tags"]!.AsArray().Any(t => (string?)t == "Script");
        var bearer = c.Auth switch
        {
            0 => script ? e.Token : RuntimeFactory.OrchestratorKey,
            1 => null,
            2 => "garbage." + new string('x', c.Size % 200),
            3 => script ? RuntimeFactory.OrchestratorKey : e.Token,
            _ => e.Token[..^4] + "AAAA",
        };
        if (bearer is not null) request.Headers.TryAddWithoutValidation("Authorization", "Bearer " + bearer);

        switch (c.Headers)
        {
            case 1:
                request.Headers.TryAddWithoutValidation("Idempotency-Key", c.Pick % 3 == 0 ? "" : c.Pick % 3 == 1 ? new string('k', 300) : "clé-€");
                break;
            case 2:
                request.Headers.TryAddWithoutValidation("Accept", OddAccept[c.Pick % OddAccept.Length]);
                break;
            case 3:
                request.Headers.TryAddWithoutValidation("Idempotency-Key", $"fuzz-{c.Pick}");
                break;
        }

        var valid = ValidBody(operation.Id, e);
        if (valid is null && c.Body < 9) return request;
        request.Content = c.Body switch
        {
            0 => Json(valid!.ToJsonString()),
            1 => Json(c.Random?.ToJsonString() ?? "null"),
            2 => Json(Replace(valid, c.Pick, c.Random)),
            3 => Json(Remove(valid, c.Pick)),
            4 => Json(Replace(valid, c.Pick, JsonValue.Create(new string('é', c.Size * 300)))),
            5 => Json(new string('[', 100 + c.Size) + new string(']', 100 + c.Size)),
            6 => Bytes([.. Encoding.UTF8.GetBytes("{\"value\":\""), 0xC3, 0x28, 0xFF, .. Encoding.UTF8.GetBytes("\"}")], "application/json"),
            7 => Bytes(Encoding.UTF8.GetBytes(valid?.ToJsonString() ?? "{}"), OddContentTypes[c.Pick % OddContentTypes.Length]),
            8 => Bytes([], "application/json"),
            9 => Json("{\"a\":1,,}"),
            10 => Json(valid is null ? "{}" : valid.ToJsonString() + " trailing"),
            _ => Json(Replace(valid, c.Pick, JsonValue.Create(c.Pick % 2 == 0 ? long.MaxValue : -1))),
        };
        return request;
    }

    private async Task<Execution> CreateExecutionAsync()
    {
        var user = TestServices.UniqueUser();
        var created = await OrchestratorAsync(HttpMethod.Post, "/v1/executions", new JsonObject
        {
            ["event"] = new JsonObject { ["id"] = "e", ["name"] = "fuzz", ["type"] = "PYTHON" }, ["userId"] = user, ["timeoutSeconds"] = 600,
        });
        return new Execution((string)created["executionId"]!, (string)created["token"]!, user);
    }

    private async Task<JsonObject> OrchestratorAsync(HttpMethod method, string path, JsonObject body)
    {
        using var request = new HttpRequestMessage(method, path) { Content = Json(body.ToJsonString()) };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", RuntimeFactory.OrchestratorKey);
        var response = await http.SendAsync(request);
        response.EnsureSuccessStatusCode();
        return (await response.BodyAsync())!;
    }

    private static StringContent Json(string text) => new(text, Encoding.UTF8, "application/json");

    private static ByteArrayContent Bytes(byte[] body, string contentType)
    {
        var content = new ByteArrayContent(body);
        content.Headers.TryAddWithoutValidation("Content-Type", contentType);
        return content;
    }

    /// <summary>One property of the valid body (picked at random) given another value.</summary>
    private static string Replace(JsonObject? valid, int pick, JsonNode? value)
    {
        if (valid is null) return value?.ToJsonString() ?? "null";
        var copy = (JsonObject)valid.DeepClone();
        var keys = copy.Select(p => p.Key).ToList();
        copy[keys[pick % keys.Count]] = value?.DeepClone();
        return copy.ToJsonString();
    }

    private static string Remove(JsonObject? valid, int pick)
    {
        if (valid is null) return "{}";
        var copy = (JsonObject)valid.DeepClone();
        copy.Remove(copy.Select(p => p.Key).ElementAt(pick % copy.Count));
        return copy.ToJsonString();
    }

    /// <summary>A body each operation accepts, for the cases that bend something else, or bend one part of it.</summary>
    private static JsonObject? ValidBody(string operation, Execution e) => operation switch
    {
        "createExecution" => new JsonObject { ["event"] = new JsonObject { ["id"] = "e", ["name"] = "e", ["type"] = "BASH" }, ["userId"] = e.UserId, ["input"] = 1 },
        "completeExecution" => new JsonObject { ["status"] = "succeeded", ["exitCode"] = 0 },
        "setOutput" => new JsonObject { ["data"] = new JsonObject { ["a"] = 1 } },
        "setVariable" or "setUserVariable" => new JsonObject { ["value"] = "v", ["ifVersion"] = 0 },
        "setCondition" => new JsonObject { ["condition"] = true },
        "runToolAction" => new JsonObject { ["tool"] = "webhook", ["action"] = "send", ["credential"] = "cred", ["params"] = new JsonObject() },
        "putToolCredential" => new JsonObject { ["tool"] = "webhook", ["secret"] = new JsonObject { ["url"] = "http://192.0.2.1/hook" } },
        "createRun" => new JsonObject { ["kind"] = "event", ["name"] = "n", ["userId"] = e.UserId },
        "updateRunNode" => new JsonObject { ["status"] = "running", ["attempts"] = 1 },
        "completeRun" => new JsonObject { ["status"] = "succeeded" },
        "appendLogs" => new JsonObject
        {
            ["entries"] = new JsonArray(new JsonObject { ["seq"] = 1, ["at"] = "2026-01-01T00:00:00Z", ["stream"] = "stdout", ["text"] = "x" }),
        },
        _ => null,
    };

    /// <summary>Everything a request could store, as one hash (the audit trail excepted: refusals are audited on purpose).</summary>
    private async Task<string> SnapshotAsync()
    {
        await using var connection = await app.Services.GetRequiredService<SqlDialect>().DataSource.OpenConnectionAsync();
        var text = new StringBuilder();
        foreach (var table in new[] { "variables", "executions", "runs", "run_nodes", "execution_logs", "tool_credentials", "idempotency_keys" })
            foreach (var row in await connection.QueryAsync($"SELECT * FROM {table} ORDER BY 1, 2"))
                text.Append(table).Append(string.Join('|', ((IDictionary<string, object?>)row).Values)).Append('\n');
        return Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString())));
    }
}
