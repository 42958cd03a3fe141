using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Cronium.Runtime.Hosting;
using Cronium.Runtime.Tests.Infrastructure;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Cronium.Runtime.Tests;

public sealed class AuthTests(SqliteRuntime runtime) : IClassFixture<SqliteRuntime>
{
    private readonly RuntimeFactory factory = runtime.Factory;

    [Fact]
    public async Task MissingTokenReturnsInvalidTokenWithBearerChallenge()
    {
        var e = await factory.CreateExecutionAsync();
        using var client = factory.Client();

        var response = await client.GetAsync($"/v1/executions/{e.ExecutionId}/input");

        await response.AssertProblemAsync(HttpStatusCode.Unauthorized, "invalid_token");
        Assert.StartsWith("Bearer", response.Headers.WwwAuthenticate.ToString());
    }

    [Theory]
    [InlineData("not-a-jwt")]
    [InlineData("a.b.c")]
    [InlineData("eyJhbGciOiJIUzI1NiJ9.e30.")]
    public async Task GarbageTokenReturnsInvalidToken(string token)
    {
        var e = await factory.CreateExecutionAsync();
        using var client = factory.Client(token);

        var response = await client.GetAsync(e.VariablePath("k"));

        await response.AssertProblemAsync(HttpStatusCode.Unauthorized, "invalid_token");
    }

    [Fact]
    public async Task TokenSignedWithAnotherKeyReturnsInvalidToken()
    {
        var e = await factory.CreateExecutionAsync();
        var forged = Mint(e, key: RandomNumberGenerator.GetBytes(32));
        using var client = factory.Client(forged);

        var response = await client.GetAsync(e.VariablePath("k"));

        await response.AssertProblemAsync(HttpStatusCode.Unauthorized, "invalid_token");
    }

    [Fact]
    public async Task UnsignedAlgNoneTokenReturnsInvalidToken()
    {
        var e = await factory.CreateExecutionAsync();
        static string B64(string json) => Base64UrlEncoder.Encode(Encoding.UTF8.GetBytes(json));
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var token = B64("{\"alg\":\"none\",\"typ\":\"cronium-execution+jwt\"}") + "."
            + B64($"{{\"sub\":\"{e.ExecutionId}\",\"userId\":\"{e.UserId}\",\"iss\":\"cronium-runtime\",\"aud\":\"cronium-scripts\",\"iat\":{now},\"nbf\":{now},\"exp\":{now + 600}}}") + ".";
        using var client = factory.Client(token);

        var response = await client.GetAsync(e.VariablePath("k"));

        await response.AssertProblemAsync(HttpStatusCode.Unauthorized, "invalid_token");
    }

    [Fact]
    public async Task TokenWithAnotherAlgorithmIsRefusedEvenWithTheRightKey()
    {
        var e = await factory.CreateExecutionAsync();
        var hs512 = Mint(e, algorithm: SecurityAlgorithms.HmacSha512, key: [.. Convert.FromBase64String(RuntimeFactory.SigningKey), .. Convert.FromBase64String(RuntimeFactory.SigningKey)]);
        using var client = factory.Client(hs512);

        var response = await client.GetAsync(e.VariablePath("k"));

        await response.AssertProblemAsync(HttpStatusCode.Unauthorized, "invalid_token");
    }

    [Theory]
    [InlineData("issuer")]
    [InlineData("audience")]
    [InlineData("type")]
    [InlineData("kid")]
    public async Task TokenWithWrongIssuerAudienceTypeOrKeyIdIsRefused(string what)
    {
        var e = await factory.CreateExecutionAsync();
        var token = Mint(e, change: d =>
        {
            switch (what)
            {
                case "issuer": d.Issuer = "someone-else"; break;
                case "audience": d.Audience = "another-api"; break;
                case "type": d.TokenType = "JWT"; break;
                case "kid": d.SigningCredentials = new SigningCredentials(new SymmetricSecurityKey(Convert.FromBase64String(RuntimeFactory.SigningKey)) { KeyId = "unknown" }, SecurityAlgorithms.HmacSha256); break;
            }
        });
        using var client = factory.Client(token);

        var response = await client.GetAsync(e.VariablePath("k"));

        await response.AssertProblemAsync(HttpStatusCode.Unauthorized, "invalid_token");
    }

    [Fact]
    public async Task ExpiredTokenReturnsTokenExpired()
    {
        var e = await factory.CreateExecutionAsync();
        var expired = Mint(e, change: d =>
        {
            d.IssuedAt = d.NotBefore = DateTime.UtcNow.AddMinutes(-10);
            d.Expires = DateTime.UtcNow.AddSeconds(-1);
        });
        using var client = factory.Client(expired);

        var response = await client.GetAsync(e.VariablePath("k"));

        await response.AssertProblemAsync(HttpStatusCode.Unauthorized, "token_expired");
    }

    [Fact]
    public async Task TokenFromCreateExecutionExpiresAfterTimeoutPlusGrace()
    {
        var e = await factory.CreateExecutionAsync(timeoutSeconds: 1);
        using var client = factory.Script(e);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync($"/v1/executions/{e.ExecutionId}/input")).StatusCode);

        await Task.Delay(TimeSpan.FromSeconds(2.5));
        var response = await client.GetAsync($"/v1/executions/{e.ExecutionId}/input");

        await response.AssertProblemAsync(HttpStatusCode.Unauthorized, "token_expired");
    }

    [Fact]
    public async Task TokenCarriesPinnedHeaderAndClaimsUnderTheirOwnNames()
    {
        var e = await factory.CreateExecutionAsync(timeoutSeconds: 300);

        var jwt = new JsonWebToken(e.Token);

        Assert.Equal(("HS256", "cronium-execution+jwt"), (jwt.Alg, jwt.Typ));
        Assert.Equal(factory.Service<RuntimeKeys>().SigningKey.KeyId, jwt.Kid);
        Assert.Equal((e.ExecutionId, e.UserId, "evt-1"), (jwt.Subject, jwt.GetClaim("userId").Value, jwt.GetClaim("eventId").Value));
        Assert.False(string.IsNullOrEmpty(jwt.Id));
        Assert.False(string.IsNullOrEmpty(jwt.GetClaim("jobId").Value));
        Assert.Equal(("cronium-runtime", "cronium-scripts"), (jwt.Issuer, jwt.Audiences.Single()));
        Assert.Equal(TimeSpan.FromSeconds(301), jwt.ValidTo - jwt.IssuedAt); // timeout + the tests' 1 s grace
    }

    [Theory]
    [InlineData("sub")]
    [InlineData("userId")]
    public async Task ASignedTokenThatNamesNoExecutionOrNoUserIsRefused(string missing)
    {
        var e = await factory.CreateExecutionAsync();
        using var client = factory.Client(Mint(e, change: d => d.Claims.Remove(missing)));

        var response = await client.GetAsync(e.VariablePath("k"));

        await response.AssertProblemAsync(HttpStatusCode.Unauthorized, "invalid_token");
    }

    [Fact]
    public async Task ASignedTokenForAnExecutionThatDoesNotExistIsRefused()
    {
        var e = await factory.CreateExecutionAsync();
        var ghost = e with { ExecutionId = "exec-that-was-never-created" };
        using var client = factory.Client(Mint(ghost));

        var response = await client.GetAsync(ghost.VariablePath("k"));

        await response.AssertProblemAsync(HttpStatusCode.Unauthorized, "invalid_token");
    }

    [Fact]
    public async Task TokenForAnotherExecutionReturnsExecutionMismatch()
    {
        var mine = await factory.CreateExecutionAsync();
        var theirs = await factory.CreateExecutionAsync(mine.UserId);
        using var client = factory.Script(mine);

        var input = await client.GetAsync($"/v1/executions/{theirs.ExecutionId}/input");
        var write = await client.PutAsync($"/v1/executions/{theirs.ExecutionId}/output", Api.Json(new { data = 1 }));

        await input.AssertProblemAsync(HttpStatusCode.Forbidden, "execution_mismatch");
        await write.AssertProblemAsync(HttpStatusCode.Forbidden, "execution_mismatch");
    }

    [Fact]
    public async Task ATokenForAnotherExecutionIsRefusedBeforeItsBodyIsRead()
    {
        var mine = await factory.CreateExecutionAsync();
        var theirs = await factory.CreateExecutionAsync(mine.UserId);
        using var client = factory.Script(mine);

        // Malformed JSON and a body that breaks validation: the caller is refused first, so neither says anything
        // about another execution's route.
        var malformed = await client.PutAsync($"/v1/executions/{theirs.ExecutionId}/output",
            new StringContent("{not json", Encoding.UTF8, "application/json"));
        var invalid = await client.PutAsync(theirs.VariablePath("k"), Api.Json(new { value = 1, unexpected = true }));

        await malformed.AssertProblemAsync(HttpStatusCode.Forbidden, "execution_mismatch");
        await invalid.AssertProblemAsync(HttpStatusCode.Forbidden, "execution_mismatch");
    }

    [Fact]
    public async Task OrchestratorKeyOnAScriptRouteIsForbidden()
    {
        var e = await factory.CreateExecutionAsync();
        using var client = factory.Orchestrator();

        var response = await client.GetAsync($"/v1/executions/{e.ExecutionId}/input");

        var problem = await response.AssertProblemAsync(HttpStatusCode.Forbidden, "forbidden");
        Assert.DoesNotContain(RuntimeFactory.OrchestratorKey, problem.ToJsonString());
    }

    [Fact]
    public async Task ExecutionTokenOnAnOrchestratorRouteIsForbidden()
    {
        var e = await factory.CreateExecutionAsync();
        using var client = factory.Script(e);

        var get = await client.GetAsync($"/v1/executions/{e.ExecutionId}");
        var create = await client.PostAsync("/v1/executions", Api.Json(new { @event = new { id = "x", name = "x", type = "BASH" }, userId = "u" }));
        var admin = await client.GetAsync($"/v1/users/{e.UserId}/variables");

        await get.AssertProblemAsync(HttpStatusCode.Forbidden, "forbidden");
        await create.AssertProblemAsync(HttpStatusCode.Forbidden, "forbidden");
        await admin.AssertProblemAsync(HttpStatusCode.Forbidden, "forbidden");
    }

    [Theory]
    [InlineData(null)]
    [InlineData("wrong-key-wrong-key-wrong-key-wrong-key")]
    public async Task MissingOrUnknownOrchestratorKeyIsUnauthorized(string? key)
    {
        using var client = factory.Client(key);

        var response = await client.GetAsync($"/v1/executions/{Guid.NewGuid()}");

        await response.AssertProblemAsync(HttpStatusCode.Unauthorized, "invalid_token");
    }

    [Fact]
    public async Task RotatedSigningKeyStillAcceptsTokensTheOldKeySigned()
    {
        using var folder = new TempFolder();
        var path = Path.Combine(folder.Path, "runtime.db");
        using var before = new RuntimeFactory(Backend.Sqlite, sqlitePath: path);
        var e = await before.CreateExecutionAsync();
        var rotated = new Dictionary<string, string?>
        {
            ["Runtime:SigningKey"] = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)),
            ["Runtime:PreviousSigningKeys:0"] = RuntimeFactory.SigningKey,
        };
        using var after = new RuntimeFactory(Backend.Sqlite, rotated, sqlitePath: path);
        using var withoutOld = new RuntimeFactory(Backend.Sqlite, new Dictionary<string, string?> { ["Runtime:SigningKey"] = rotated["Runtime:SigningKey"] }, sqlitePath: path);
        var fresh = await after.CreateExecutionAsync();

        var old = await after.Script(e).GetAsync($"/v1/executions/{e.ExecutionId}/input");
        var refused = await withoutOld.Script(e).GetAsync($"/v1/executions/{e.ExecutionId}/input");

        Assert.Equal(HttpStatusCode.OK, old.StatusCode);
        await refused.AssertProblemAsync(HttpStatusCode.Unauthorized, "invalid_token");
        Assert.NotEqual(new JsonWebToken(e.Token).Kid, new JsonWebToken(fresh.Token).Kid);
    }

    private string Mint(Execution e, Action<SecurityTokenDescriptor>? change = null, byte[]? key = null, string algorithm = SecurityAlgorithms.HmacSha256)
    {
        var now = DateTime.UtcNow;
        var descriptor = new SecurityTokenDescriptor
        {
            Issuer = "cronium-runtime",
            Audience = "cronium-scripts",
            TokenType = "cronium-execution+jwt",
            IssuedAt = now,
            NotBefore = now,
            Expires = now.AddMinutes(10),
            Claims = new Dictionary<string, object> { ["sub"] = e.ExecutionId, ["jti"] = Guid.NewGuid().ToString("N"), ["userId"] = e.UserId, ["eventId"] = "evt-1", ["jobId"] = "j" },
            SigningCredentials = new SigningCredentials(
                new SymmetricSecurityKey(key ?? Convert.FromBase64String(RuntimeFactory.SigningKey)) { KeyId = factory.Service<RuntimeKeys>().SigningKey.KeyId },
                algorithm),
        };
        change?.Invoke(descriptor);
        return new JsonWebTokenHandler { SetDefaultTimesOnTokenCreation = false }.CreateToken(descriptor);
    }
}
