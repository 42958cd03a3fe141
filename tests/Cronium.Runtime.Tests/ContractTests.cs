using System.Text.Json.Nodes;
using Cronium.Runtime.Tests.Infrastructure;
using Microsoft.AspNetCore.Routing;

namespace Cronium.Runtime.Tests;

/// <summary>The server implements exactly the operations in openapi.yaml, under the same names, methods and paths.</summary>
public sealed class ContractTests(SqliteRuntime runtime) : IClassFixture<SqliteRuntime>
{
    [Fact]
    public void EveryOperationInTheContractIsServedUnderItsOperationId()
    {
        var served = ServedOperations();

        foreach (var operation in OpenApiContract.Instance.Operations.Where(o => !ServedByTheService(o)))
        {
            Assert.True(served.TryGetValue(operation.Id, out var route), $"{operation.Id} is in openapi.yaml but no route has .WithName(\"{operation.Id}\")");
            Assert.Equal((operation.Method, operation.Path), route);
        }
    }

    [Fact]
    public void EveryNamedRouteIsInTheContract()
    {
        var documented = OpenApiContract.Instance.Operations.Where(o => !ServedByTheService(o)).Select(o => o.Id).ToHashSet();

        Assert.DoesNotContain(ServedOperations().Keys, name => !documented.Contains(name));
    }

    [Fact]
    public void EveryProblemCodeTheServerUsesIsInTheContract()
    {
        var documented = OpenApiContract.Instance.Document["components"]!["schemas"]!["ProblemCode"]!["enum"]!.AsArray().Select(c => (string)c!).ToHashSet();
        var used = typeof(Problems.ProblemCodes).GetFields().Where(f => f.IsLiteral).Select(f => (string)f.GetRawConstantValue()!).ToHashSet();

        Assert.Equal(documented.Order(), used.Order());
    }

    [Fact]
    public void TheResponseCheckerRejectsABodyOffItsSchema()
    {
        var getVariable = OpenApiContract.Instance.Operations.Single(o => o.Id == "getVariable");

        var good = OpenApiContract.Instance.Validate(getVariable, 200, "application/json",
            JsonNode.Parse("{\"key\":\"k\",\"value\":null,\"version\":1,\"updatedAt\":\"2026-01-01T00:00:00Z\"}"));
        var extra = OpenApiContract.Instance.Validate(getVariable, 200, "application/json",
            JsonNode.Parse("{\"key\":\"k\",\"value\":1,\"version\":1,\"updatedAt\":\"2026-01-01T00:00:00Z\",\"secret\":1}"));
        var badKey = OpenApiContract.Instance.Validate(getVariable, 200, "application/json",
            JsonNode.Parse("{\"key\":\"bad key\",\"value\":1,\"version\":0,\"updatedAt\":\"yesterday\"}"));
        var problem = OpenApiContract.Instance.Validate(getVariable, 404, "application/problem+json",
            JsonNode.Parse("{\"type\":\"t\",\"title\":\"t\",\"status\":404,\"code\":\"no_such_code\",\"traceId\":\"x\"}"));

        Assert.Empty(good);
        Assert.NotEmpty(extra);
        Assert.NotEmpty(badKey);
        Assert.NotEmpty(problem);
    }

    [Fact]
    public async Task TheCanaryCheckRefusesAnyResponseThatCarriesAPlantedSecret()
    {
        // The check every test's responses go through: a value that happens to hold the marker trips it, so a
        // secret that leaked into a response anywhere in the suite would too.
        var e = await runtime.Factory.CreateExecutionAsync();
        await runtime.Factory.Orchestrator().PutAsync($"/v1/users/{e.UserId}/variables/k", Api.Json(new { value = Canary.Marker }));

        await Assert.ThrowsAsync<ContractViolationException>(() => runtime.Factory.Script(e).GetAsync(e.VariablePath("k")));
    }

    /// <summary>Operations only `cronium serve` has (definitions, starting runs): Cronium.Service.Tests checks those.</summary>
    private static bool ServedByTheService(ContractOperation operation) => (string?)operation.Node["x-served-by"] == "service";

    /// <summary>operationId → (METHOD, path as written in openapi.yaml).</summary>
    private Dictionary<string, (string, string)> ServedOperations() =>
        runtime.Factory.Service<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .Select(e => (Name: e.Metadata.GetMetadata<IEndpointNameMetadata>()?.EndpointName, e))
            .Where(x => x.Name is not null)
            .ToDictionary(
                x => x.Name!,
                x => (x.e.Metadata.GetMetadata<HttpMethodMetadata>()?.HttpMethods.Single() ?? "GET",
                      "/" + x.e.RoutePattern.RawText!.Trim('/')));
}
