using System.Buffers;
using System.Net.Http.Headers;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text.Json.Serialization.Metadata;
using Cronium.Runtime.Hosting;
using Cronium.Runtime.Problems;

namespace Cronium.Runtime.Json;

/// <summary>
/// Reads request bodies for every write, so that each failure is its own clear problem: 415 for a body that is
/// not JSON, 413 (with the limit and the size) before a byte over the limit is buffered, 400 <c>invalid_json</c>
/// with the line and position, 400 <c>validation_failed</c> naming the field whose type or name is wrong.
/// </summary>
internal static class JsonBody
{
    public const string HashItem = "cronium.body.sha256";

    /// <summary>
    /// Strict reading: unknown members are refused (the contract says additionalProperties: false). Each feature's
    /// compile-time contracts are made once with these options for its request bodies (see <see cref="JsonContracts"/>).
    /// </summary>
    public static JsonSerializerOptions StrictOptions() => new(JsonSerializerDefaults.Web)
    {
        PropertyNameCaseInsensitive = false,
        NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.Strict,
        UnmappedMemberHandling = System.Text.Json.Serialization.JsonUnmappedMemberHandling.Disallow,
        RespectNullableAnnotations = true,
        RespectRequiredConstructorParameters = true,
        MaxDepth = 64,
    };

    /// <param name="contract">The body's type from its feature's strict contracts (<c>ExecutionsJson.Strict.CreateExecutionRequest</c>).</param>
    public static async ValueTask<T> BindAsync<T>(HttpContext http, JsonTypeInfo<T> contract) where T : class
    {
        using var document = await ReadDocumentAsync(http);
        try
        {
            return document.RootElement.ValueKind == JsonValueKind.Object
                ? document.RootElement.Deserialize(contract) ?? throw ApiProblem.Validation("$", "The body must be a JSON object.")
                : throw ApiProblem.Validation("$", "The body must be a JSON object.");
        }
        catch (JsonException e)
        {
            var field = string.IsNullOrEmpty(e.Path) || e.Path == "$" ? "$" : e.Path.TrimStart('$', '.');
            throw ApiProblem.Validation(field, ShapeMessage(e, field));
        }
    }

    public static async ValueTask<JsonDocument> ReadDocumentAsync(HttpContext http)
    {
        var request = http.Request;
        if (!IsJson(request.ContentType))
            throw new ApiProblemException(StatusCodes.Status415UnsupportedMediaType, ProblemCodes.UnsupportedMediaType,
                request.ContentType is null ? "The body must be sent as Content-Type: application/json." : $"Content-Type '{request.ContentType}' is not accepted; send application/json.");

        var limit = http.RequestServices.GetRequiredService<IOptions<LimitsOptions>>().Value.MaxRequestBodyBytes;
        if (request.ContentLength is { } declared && declared > limit)
            throw ApiProblem.TooLarge("The request body", limit, declared);

        var buffer = new ArrayBufferWriter<byte>(request.ContentLength is { } n and > 0 ? (int)n : 4096);
        try
        {
            while (true)
            {
                var memory = buffer.GetMemory(16 * 1024);
                var read = await request.Body.ReadAsync(memory, http.RequestAborted);
                if (read == 0) break;
                buffer.Advance(read);
                if (buffer.WrittenCount > limit) throw ApiProblem.TooLarge("The request body", limit, buffer.WrittenCount);
            }
        }
        catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            throw ApiProblem.TooLarge("The request body", limit, Math.Max(buffer.WrittenCount, limit + 1L));
        }

        if (buffer.WrittenCount == 0) throw ApiProblem.Validation("$", "A JSON body is required.");
        // The parser leaves strings' bytes unchecked until they are read; a value stored or copied later would fail
        // there (a 500). Checked once here instead: JSON is UTF-8 (RFC 8259).
        if (!System.Text.Unicode.Utf8.IsValid(buffer.WrittenSpan))
            throw new ApiProblemException(StatusCodes.Status400BadRequest, ProblemCodes.InvalidJson,
                $"The body is not valid UTF-8 (first bad byte at offset {FirstInvalidByte(buffer.WrittenSpan)}); JSON text is UTF-8.");
        http.Items[HashItem] = Convert.ToHexString(SHA256.HashData(buffer.WrittenSpan));
        try
        {
            return JsonDocument.Parse(buffer.WrittenMemory, new JsonDocumentOptions { MaxDepth = 64 });
        }
        catch (JsonException e)
        {
            throw new ApiProblemException(StatusCodes.Status400BadRequest, ProblemCodes.InvalidJson, JsonErrors.Describe(e));
        }
    }

    private static int FirstInvalidByte(ReadOnlySpan<byte> bytes)
    {
        System.Text.Unicode.Utf8.ToUtf16(bytes, new char[bytes.Length], out var read, out _, replaceInvalidSequences: false);
        return read;
    }

    /// <summary>Size of a value as stored (its UTF-8 JSON text).</summary>
    public static int SizeOf(JsonElement element) => JsonMarshal.GetRawUtf8Value(element).Length;

    private static string ShapeMessage(JsonException e, string field) =>
        e.Message.Contains("could not be mapped", StringComparison.Ordinal)
            ? $"'{field}' is not a known field."
            : e.Message.Contains("missing required properties", StringComparison.Ordinal)
                ? JsonErrors.FirstSentence(e.Message)
                : $"'{field}' has the wrong type or value.";

    private static bool IsJson(string? contentType) =>
        MediaTypeHeaderValue.TryParse(contentType, out var parsed)
        && (string.Equals(parsed.MediaType, "application/json", StringComparison.OrdinalIgnoreCase)
            || (parsed.MediaType?.StartsWith("application/", StringComparison.OrdinalIgnoreCase) == true
                && parsed.MediaType.EndsWith("+json", StringComparison.OrdinalIgnoreCase)));
}
