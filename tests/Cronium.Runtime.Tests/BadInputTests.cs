using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Cronium.Runtime.Tests.Infrastructure;

namespace Cronium.Runtime.Tests;

/// <summary>Every kind of bad input gets its own problem and code; none of them is ever a 500.</summary>
public sealed class BadInputTests(SqliteRuntime runtime) : IClassFixture<SqliteRuntime>
{
    private readonly RuntimeFactory factory = runtime.Factory;

    [Theory]
    [InlineData("{\"value\":")]
    [InlineData("{\"value\": tru}")]
    [InlineData("{'value': 1}")]
    [InlineData("{\"value\":1}}")]
    public async Task MalformedJsonReturnsInvalidJsonWithPosition(string body)
    {
        var e = await factory.CreateExecutionAsync();
        using var client = factory.Script(e);

        var response = await client.PutAsync(e.VariablePath("k"), new StringContent(body, Encoding.UTF8, "application/json"));

        var problem = await response.AssertProblemAsync(HttpStatusCode.BadRequest, "invalid_json");
        Assert.Contains("line 1", (string)problem["detail"]!);
    }

    [Theory]
    [InlineData("text/plain")]
    [InlineData("application/x-www-form-urlencoded")]
    [InlineData(null)]
    public async Task WrongContentTypeReturnsUnsupportedMediaType(string? contentType)
    {
        var e = await factory.CreateExecutionAsync();
        using var client = factory.Script(e);
        var content = new ByteArrayContent(Encoding.UTF8.GetBytes("{\"value\":1}"));
        if (contentType is not null) content.Headers.ContentType = new MediaTypeHeaderValue(contentType);

        var response = await client.PutAsync(e.VariablePath("k"), content);

        await response.AssertProblemAsync(HttpStatusCode.UnsupportedMediaType, "unsupported_media_type");
    }

    [Theory]
    [InlineData("", "$")]
    [InlineData("[1,2]", "$")]
    [InlineData("{}", "$")]
    [InlineData("{\"value\":1,\"extra\":2}", "extra")]
    [InlineData("{\"value\":1,\"ifVersion\":\"3\"}", "ifVersion")]
    [InlineData("{\"value\":1,\"ifVersion\":-1}", "ifVersion")]
    [InlineData("{\"Value\":1}", "Value")]
    public async Task BodyOfTheWrongShapeReturnsValidationFailedNamingTheField(string body, string field)
    {
        var e = await factory.CreateExecutionAsync();
        using var client = factory.Script(e);

        var response = await client.PutAsync(e.VariablePath("k"), new StringContent(body, Encoding.UTF8, "application/json"));

        var problem = await response.AssertProblemAsync(HttpStatusCode.BadRequest, "validation_failed");
        Assert.NotNull(problem["errors"]![field]);
    }

    [Theory]
    [InlineData("condition", "{\"condition\":\"yes\"}")]
    [InlineData("condition", "{\"condition\":null}")]
    [InlineData("data", "{}")]
    public async Task ScriptWritesOfTheWrongShapeAreRefused(string what, string body)
    {
        var e = await factory.CreateExecutionAsync();
        using var client = factory.Script(e);
        var path = what == "condition" ? "condition" : "output";

        var response = await client.PutAsync($"/v1/executions/{e.ExecutionId}/{path}", new StringContent(body, Encoding.UTF8, "application/json"));

        await response.AssertProblemAsync(HttpStatusCode.BadRequest, "validation_failed");
    }

    [Theory]
    [InlineData("has space")]
    [InlineData("-leading-dash")]
    [InlineData("slash%2Fin")]
    [InlineData("ключ")]
    public async Task BadKeysReturnValidationFailed(string key)
    {
        var e = await factory.CreateExecutionAsync();
        using var client = factory.Script(e);

        var response = await client.PutAsync($"/v1/executions/{e.ExecutionId}/variables/{Uri.EscapeDataString(key).Replace("%252F", "%2F")}", Api.Json(new { value = 1 }));
        var get = await client.GetAsync($"/v1/executions/{e.ExecutionId}/variables/{Uri.EscapeDataString(key)}");

        var problem = await response.AssertProblemAsync(HttpStatusCode.BadRequest, "validation_failed");
        Assert.NotNull(problem["errors"]!["key"]);
        await get.AssertProblemAsync(HttpStatusCode.BadRequest, "validation_failed");
    }

    [Fact]
    public async Task KeyOfMaximumLengthIsAcceptedAndOneLongerIsNot()
    {
        var e = await factory.CreateExecutionAsync();
        using var client = factory.Script(e);

        var longest = await client.PutAsync(e.VariablePath(new string('k', 128)), Api.Json(new { value = 1 }));
        var tooLong = await client.PutAsync(e.VariablePath(new string('k', 129)), Api.Json(new { value = 1 }));

        Assert.Equal(HttpStatusCode.OK, longest.StatusCode);
        await tooLong.AssertProblemAsync(HttpStatusCode.BadRequest, "validation_failed");
    }

    [Fact]
    public async Task BodyOverTheRequestLimitIsRefusedBeforeItIsRead()
    {
        var e = await factory.CreateExecutionAsync();
        using var client = factory.Script(e);
        var body = new byte[9 * 1024 * 1024 + 10];
        body.AsSpan().Fill((byte)' ');

        var response = await client.PutAsync($"/v1/executions/{e.ExecutionId}/output", new ByteArrayContent(body) { Headers = { ContentType = new MediaTypeHeaderValue("application/json") } });

        var problem = await response.AssertProblemAsync(HttpStatusCode.RequestEntityTooLarge, "payload_too_large");
        Assert.Equal(9 * 1024 * 1024, (int)problem["limit"]!);
        Assert.Equal(body.Length, (int)problem["received"]!);
    }

    [Fact]
    public async Task ChunkedBodyOverTheRequestLimitIsRefusedToo()
    {
        var e = await factory.CreateExecutionAsync();
        using var client = factory.Script(e);
        var content = new StreamContent(new EndlessJson()) { Headers = { ContentType = new MediaTypeHeaderValue("application/json") } };

        var response = await client.PutAsync($"/v1/executions/{e.ExecutionId}/output", content);

        var problem = await response.AssertProblemAsync(HttpStatusCode.RequestEntityTooLarge, "payload_too_large");
        Assert.True((long)problem["received"]! > 9 * 1024 * 1024);
    }

    [Theory]
    [InlineData("limit=0")]
    [InlineData("limit=1001")]
    [InlineData("limit=abc")]
    [InlineData("prefix=bad%20prefix")]
    [InlineData("after=%20")]
    public async Task BadListParametersReturnValidationFailed(string query)
    {
        var e = await factory.CreateExecutionAsync();
        using var client = factory.Script(e);

        var response = await client.GetAsync($"/v1/executions/{e.ExecutionId}/variables?{query}");

        await response.AssertProblemAsync(HttpStatusCode.BadRequest, "validation_failed");
    }

    [Fact]
    public async Task BadIdempotencyKeyReturnsValidationFailed()
    {
        var e = await factory.CreateExecutionAsync();
        using var client = factory.Script(e);
        var request = new HttpRequestMessage(HttpMethod.Put, e.VariablePath("k")) { Content = Api.Json(new { value = 1 }) };
        request.Headers.TryAddWithoutValidation("Idempotency-Key", new string('x', 256));

        var response = await client.SendAsync(request);

        await response.AssertProblemAsync(HttpStatusCode.BadRequest, "validation_failed");
    }

    [Fact]
    public async Task CreateExecutionWithInvalidFieldsNamesEveryOne()
    {
        using var admin = factory.Orchestrator();

        var response = await admin.PostAsync("/v1/executions", Api.Json(new
        {
            @event = new { id = "", name = "n", type = "RUBY" },
            userId = "has space",
            timeoutSeconds = 0,
            attempt = 0,
        }));

        var problem = await response.AssertProblemAsync(HttpStatusCode.BadRequest, "validation_failed");
        var errors = problem["errors"]!.AsObject();
        Assert.Equal(["attempt", "event.id", "event.type", "timeoutSeconds", "userId"], errors.Select(e => e.Key).Order());
    }

    [Fact]
    public async Task UnknownRouteAndWrongMethodAnswerWithProblems()
    {
        using var client = factory.Client();

        var unknown = await client.GetAsync("/v2/nothing");
        var method = await client.PatchAsync($"/v1/executions/{Guid.NewGuid()}/input", Api.Json(new { }));

        await unknown.AssertProblemAsync(HttpStatusCode.NotFound, "not_found");
        await method.AssertProblemAsync(HttpStatusCode.MethodNotAllowed, "method_not_allowed");
    }

    /// <summary>A body with no declared length that never ends: only the runtime's own limit stops it.</summary>
    private sealed class EndlessJson : Stream
    {
        private long sent;

        public override int Read(byte[] buffer, int offset, int count)
        {
            var n = Math.Min(count, 64 * 1024);
            buffer.AsSpan(offset, n).Fill((byte)' ');
            sent += n;
            return n;
        }

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => sent; set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
