namespace Cronium.Runtime.Problems;

/// <summary>
/// Problems built in one place so every error carries the same shape. Handlers return these as results;
/// code below the handler (binding, filters) throws <see cref="ApiProblemException"/> and the exception handler
/// turns it into the same document.
/// </summary>
internal static class ApiProblem
{
    public const string TypePrefix = "urn:cronium:problem:";

    public static ProblemHttpResult Create(int status, string code, string detail, IDictionary<string, object?>? extensions = null)
    {
        var ext = extensions is null ? new Dictionary<string, object?>() : new Dictionary<string, object?>(extensions);
        ext["code"] = code;
        return TypedResults.Problem(detail: detail, statusCode: status, title: ProblemCodes.TitleFor(code), type: TypePrefix + code, extensions: ext);
    }

    public static ProblemHttpResult VariableNotFound(string key) =>
        Create(StatusCodes.Status404NotFound, ProblemCodes.VariableNotFound, $"Variable '{key}' does not exist.");

    public static ProblemHttpResult ExecutionNotFound(string id) =>
        Create(StatusCodes.Status404NotFound, ProblemCodes.ExecutionNotFound, $"Execution '{id}' does not exist.");

    public static ProblemHttpResult CredentialNotFound(string name) =>
        Create(StatusCodes.Status404NotFound, ProblemCodes.CredentialNotFound, $"Tool credential '{name}' does not exist.");

    public static ProblemHttpResult VersionConflict(string key, long expected, long current) =>
        Create(StatusCodes.Status409Conflict, ProblemCodes.VersionConflict,
            current == 0
                ? $"Variable '{key}' does not exist, but ifVersion was {expected}."
                : $"Variable '{key}' is at version {current}, but ifVersion was {expected}.",
            new Dictionary<string, object?> { ["currentVersion"] = current });

    public static ProblemHttpResult ExecutionFinished(string id, string status) =>
        Create(StatusCodes.Status409Conflict, ProblemCodes.ExecutionFinished, $"Execution '{id}' already ended as {status}.");

    public static ProblemHttpResult ToolFailed(string detail) =>
        Create(StatusCodes.Status422UnprocessableEntity, ProblemCodes.ToolFailed, detail);

    public static ApiProblemException TooLarge(string what, long limit, long received) =>
        new(StatusCodes.Status413PayloadTooLarge, ProblemCodes.PayloadTooLarge,
            $"{what} is {received} bytes; the limit is {limit} bytes.",
            new Dictionary<string, object?> { ["limit"] = limit, ["received"] = received });

    public static ApiProblemException Validation(string field, string message) =>
        new(StatusCodes.Status400BadRequest, ProblemCodes.ValidationFailed, message,
            new Dictionary<string, object?> { ["errors"] = new Dictionary<string, string[]> { [field] = [message] } });

    public static ApiProblemException Validation(IDictionary<string, string[]> errors) =>
        new(StatusCodes.Status400BadRequest, ProblemCodes.ValidationFailed,
            string.Join(" ", errors.SelectMany(e => e.Value)),
            new Dictionary<string, object?> { ["errors"] = errors });
}

/// <summary>A problem raised below a handler; written by <see cref="ProblemExceptionHandler"/>.</summary>
internal sealed class ApiProblemException(int status, string code, string detail, IDictionary<string, object?>? extensions = null)
    : Exception(detail)
{
    public int Status { get; } = status;
    public string Code { get; } = code;
    public IDictionary<string, object?>? Extensions { get; } = extensions;
    public TimeSpan? RetryAfter { get; init; }
}
