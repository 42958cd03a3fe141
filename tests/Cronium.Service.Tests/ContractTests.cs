using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;
using YamlDotNet.RepresentationModel;

namespace Cronium.Service.Tests;

/// <summary>`cronium serve` serves exactly openapi.yaml's operations: the runtime's, and those marked <c>x-served-by: service</c>.</summary>
public sealed class ContractTests
{
    [Fact]
    public async Task TheServiceServesEveryOperationInTheContractUnderItsNameMethodAndPathAndNoOther()
    {
        using var folder = new TempFolder();
        await using var app = ServiceApp.Create([], b => b.Configuration["Runtime:SqlitePath"] = Path.Combine(folder.Path, "runtime.db"));
        var served = ((IEndpointRouteBuilder)app).DataSources.SelectMany(d => d.Endpoints).OfType<RouteEndpoint>()
            .Select(e => (Name: e.Metadata.GetMetadata<IEndpointNameMetadata>()?.EndpointName, e))
            .Where(x => x.Name is not null)
            .ToDictionary(x => x.Name!, x => (x.e.Metadata.GetMetadata<HttpMethodMetadata>()?.HttpMethods.Single() ?? "GET", "/" + x.e.RoutePattern.RawText!.Trim('/')));

        var documented = Operations().ToList();
        Assert.Contains(documented, o => o.Service); // the test reads the marks it relies on
        foreach (var (id, method, path, _) in documented)
        {
            Assert.True(served.TryGetValue(id, out var route), $"{id} is in openapi.yaml but cronium serve has no route named so");
            Assert.Equal((method, path), route);
        }
        Assert.Empty(served.Keys.Except(documented.Select(o => o.Id)));
    }

    private static IEnumerable<(string Id, string Method, string Path, bool Service)> Operations()
    {
        var yaml = new YamlStream();
        yaml.Load(new StringReader(File.ReadAllText(Path.Combine(Repository(), "openapi.yaml"))));
        var paths = (YamlMappingNode)((YamlMappingNode)yaml.Documents[0].RootNode)["paths"];
        foreach (var (path, item) in paths.Children)
            foreach (var (method, op) in ((YamlMappingNode)item).Children)
                if (op is YamlMappingNode operation && operation.Children.TryGetValue(new YamlScalarNode("operationId"), out var id))
                    yield return (((YamlScalarNode)id).Value!, ((YamlScalarNode)method).Value!.ToUpperInvariant(), ((YamlScalarNode)path).Value!,
                        operation.Children.TryGetValue(new YamlScalarNode("x-served-by"), out var by) && ((YamlScalarNode)by).Value == "service");
    }

    private static string Repository()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "openapi.yaml"))) return dir.FullName;
        throw new DirectoryNotFoundException("openapi.yaml not found above the test binaries");
    }
}
