using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Json.Schema;
using YamlDotNet.RepresentationModel;

namespace Cronium.Runtime.Tests.Infrastructure;

internal sealed record ContractOperation(string Id, string Method, string Path, Regex Pattern, JsonObject Responses, JsonObject Node);

/// <summary>
/// openapi.yaml read as data: its operations, and the JSON Schema (2020-12, which OpenAPI 3.1 uses) of every
/// documented response, so tests can hold the server's real answers against the contract.
/// </summary>
internal sealed class OpenApiContract
{
    private static readonly string[] Methods = ["get", "put", "post", "delete", "patch"];

    // After Methods: static fields initialize in order, and the constructor reads Methods.
    public static readonly OpenApiContract Instance = new(Path.Combine(AppContext.BaseDirectory, "openapi.yaml"));
    private readonly JsonObject document;
    private readonly JsonObject definitions;
    // Tests validate in parallel: one schema per key, built once (a plain Dictionary written from several threads
    // handed one test another operation's schema, and a body off its schema passed).
    private readonly ConcurrentDictionary<string, Lazy<JsonSchema>> schemas = new();

    private OpenApiContract(string path)
    {
        var yaml = new YamlStream();
        using (var reader = new StreamReader(path)) yaml.Load(reader);
        document = (JsonObject)ToJson(yaml.Documents[0].RootNode)!;
        definitions = (JsonObject)RewriteRefs(document["components"]!["schemas"]!.DeepClone())!;

        var operations = new List<ContractOperation>();
        foreach (var (template, item) in document["paths"]!.AsObject())
        {
            foreach (var method in Methods)
            {
                if (item![method] is not JsonObject op) continue;
                var regex = new Regex("^" + Regex.Replace(Regex.Escape(template).Replace(@"\{", "{"), "{[^}]+}", "[^/]+") + "/?$");
                operations.Add(new ContractOperation((string)op["operationId"]!, method.ToUpperInvariant(), template, regex, (JsonObject)op["responses"]!, op));
            }
        }
        Operations = operations;
    }

    public IReadOnlyList<ContractOperation> Operations { get; }

    public JsonObject Document => document;

    public ContractOperation? Find(string method, string path) =>
        Operations.FirstOrDefault(o => o.Method == method && o.Pattern.IsMatch(path));

    /// <summary>The response object for a status (resolving $ref into components.responses), or null when undocumented.</summary>
    public JsonObject? Response(ContractOperation operation, int status)
    {
        if (operation.Responses[status.ToString(CultureInfo.InvariantCulture)] is not JsonObject response) return null;
        return response["$ref"] is JsonValue reference ? Resolve((string)reference!) : response;
    }

    /// <summary>Errors of a body against the schema documented for this operation, status and media type (empty when it conforms).</summary>
    public IReadOnlyList<string> Validate(ContractOperation operation, int status, string mediaType, JsonNode? body)
    {
        var response = Response(operation, status);
        if (response?["content"]?[mediaType]?["schema"] is not JsonNode schemaNode) return [$"no {mediaType} body is documented for {operation.Id} {status}"];
        return Errors(Schema($"{operation.Id}/{status}/{mediaType}", () => new JsonArray(RewriteRefs(schemaNode.DeepClone())), "allOf"), body);
    }

    /// <summary>Errors of a value against one of components.schemas (an event's data, which no response schema describes).</summary>
    public IReadOnlyList<string> ValidateComponent(string name, JsonNode? value)
    {
        return Errors(Schema("components/" + name, () => JsonValue.Create("#/$defs/" + name), "$ref"), value);
    }

    /// <summary>
    /// The schema kept under <paramref name="key"/>: <paramref name="keyword"/> over the contract's definitions. Each has
    /// an <c>$id</c> of its own, so schemas built at once never share a base URI in the schema registry.
    /// </summary>
    private JsonSchema Schema(string key, Func<JsonNode?> body, string keyword) =>
        schemas.GetOrAdd(key, k => new Lazy<JsonSchema>(() => JsonSchema.FromText(new JsonObject
        {
            ["$schema"] = "https://json-schema.org/draft/2020-12/schema",
            ["$id"] = "https://contract.cronium.test/" + Uri.EscapeDataString(k),
            [keyword] = body(),
            ["$defs"] = definitions.DeepClone(),
        }.ToJsonString()))).Value;

    private static List<string> Errors(JsonSchema schema, JsonNode? value)
    {
        EvaluationResults result;
        // One evaluation of a schema at a time: its first evaluation builds and caches what it checks, and
        // parallel tests must not race on that.
        lock (schema) result = schema.Evaluate(value, new EvaluationOptions { OutputFormat = OutputFormat.List, RequireFormatValidation = true });
        return result.IsValid
            ? []
            : result.Details.Where(d => d.Errors is { Count: > 0 })
                .SelectMany(d => d.Errors!.Select(e => $"{d.InstanceLocation}: {e.Value}")).ToList();
    }

    private JsonObject Resolve(string reference)
    {
        JsonNode node = document;
        foreach (var part in reference.TrimStart('#', '/').Split('/')) node = node[part]!;
        return (JsonObject)node;
    }

    private static JsonNode? RewriteRefs(JsonNode? node)
    {
        switch (node)
        {
            case JsonObject o:
                foreach (var (k, v) in o.ToList())
                {
                    if (k == "$ref" && v is JsonValue r && ((string)r!).StartsWith("#/components/schemas/", StringComparison.Ordinal))
                        o[k] = "#/$defs/" + ((string)r!)["#/components/schemas/".Length..];
                    else
                        RewriteRefs(v);
                }
                break;
            case JsonArray a:
                foreach (var item in a) RewriteRefs(item);
                break;
        }
        return node;
    }

    /// <summary>YAML to JSON with YAML 1.2 core typing: plain scalars may be numbers, booleans or null; quoted ones are strings.</summary>
    private static JsonNode? ToJson(YamlNode node) => node switch
    {
        YamlMappingNode map => new JsonObject(map.Children.Select(kv => KeyValuePair.Create(((YamlScalarNode)kv.Key).Value!, ToJson(kv.Value)))),
        YamlSequenceNode seq => new JsonArray(seq.Children.Select(ToJson).ToArray()),
        YamlScalarNode { Style: not YamlDotNet.Core.ScalarStyle.Plain } s => JsonValue.Create(s.Value),
        YamlScalarNode s => Scalar(s.Value ?? ""),
        _ => throw new InvalidOperationException("Unsupported YAML node"),
    };

    private static JsonNode? Scalar(string value) => value switch
    {
        "null" or "~" or "" => null,
        "true" => JsonValue.Create(true),
        "false" => JsonValue.Create(false),
        _ when long.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var l) => JsonValue.Create(l),
        _ when double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) && value.Any(char.IsDigit) => JsonValue.Create(d),
        _ => JsonValue.Create(value),
    };
}

/// <summary>Fails the request when the server answers outside the contract: an undocumented status, or a body off its schema.</summary>
internal sealed class ContractCheckingHandler : DelegatingHandler
{
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var response = await base.SendAsync(request, cancellationToken);
        // A stream is read as it comes (buffering would wait for its end): its media type is checked here, its
        // events by the test that reads them.
        if (response.Content.Headers.ContentType?.MediaType == "text/event-stream")
            return CheckStream(request, response);
        await response.Content.LoadIntoBufferAsync(cancellationToken);
        if ((await response.Content.ReadAsStringAsync(cancellationToken)).Contains(Canary.Marker, StringComparison.Ordinal))
            throw new ContractViolationException($"{request.Method} {request.RequestUri} answered with a credential's secret in its body");
        var operation = OpenApiContract.Instance.Find(request.Method.Method, request.RequestUri!.AbsolutePath);
        if (operation is null) return response;

        var status = (int)response.StatusCode;
        if (OpenApiContract.Instance.Response(operation, status) is null)
            throw new ContractViolationException($"{operation.Id} answered {status}, which openapi.yaml does not document. Body: {await response.Content.ReadAsStringAsync(cancellationToken)}");

        var mediaType = response.Content.Headers.ContentType?.MediaType;
        if (mediaType is "application/json" or "application/problem+json")
        {
            await response.Content.LoadIntoBufferAsync(cancellationToken);
            var text = await response.Content.ReadAsStringAsync(cancellationToken);
            var errors = OpenApiContract.Instance.Validate(operation, status, mediaType, JsonNode.Parse(text));
            if (errors.Count > 0)
                throw new ContractViolationException($"{operation.Id} {status} body does not match openapi.yaml: {string.Join("; ", errors)}. Body: {text}");
        }
        return response;
    }

    private static HttpResponseMessage CheckStream(HttpRequestMessage request, HttpResponseMessage response)
    {
        var operation = OpenApiContract.Instance.Find(request.Method.Method, request.RequestUri!.AbsolutePath)
            ?? throw new ContractViolationException($"{request.Method} {request.RequestUri} answered text/event-stream outside the contract");
        if (OpenApiContract.Instance.Response(operation, (int)response.StatusCode)?["content"]?["text/event-stream"] is null)
            throw new ContractViolationException($"{operation.Id} answered {(int)response.StatusCode} text/event-stream, which openapi.yaml does not document");
        return response;
    }
}

public sealed class ContractViolationException(string message) : Exception(message);
