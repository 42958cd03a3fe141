namespace Cronium.Runtime.Problems;

/// <summary>The stable machine codes of openapi.yaml's ProblemCode enum.</summary>
internal static class ProblemCodes
{
    public const string InvalidToken = "invalid_token";
    public const string TokenExpired = "token_expired";
    public const string ExecutionFinished = "execution_finished";
    public const string ExecutionMismatch = "execution_mismatch";
    public const string Forbidden = "forbidden";
    public const string ValidationFailed = "validation_failed";
    public const string InvalidJson = "invalid_json";
    public const string UnsupportedMediaType = "unsupported_media_type";
    public const string NotFound = "not_found";
    public const string MethodNotAllowed = "method_not_allowed";
    public const string ExecutionNotFound = "execution_not_found";
    public const string VariableNotFound = "variable_not_found";
    public const string CredentialNotFound = "credential_not_found";
    public const string RunNotFound = "run_not_found";
    public const string RunFinished = "run_finished";
    public const string RunNotQueued = "run_not_queued";
    public const string RunActive = "run_active";
    public const string DefinitionNotFound = "definition_not_found";
    public const string DefinitionInvalid = "definition_invalid";
    public const string VersionConflict = "version_conflict";
    public const string PayloadTooLarge = "payload_too_large";
    public const string RateLimited = "rate_limited";
    public const string IdempotencyConflict = "idempotency_conflict";
    public const string IdempotencyInProgress = "idempotency_in_progress";
    public const string ToolFailed = "tool_failed";
    public const string StorageUnavailable = "storage_unavailable";
    public const string InternalError = "internal_error";

    /// <summary>The code a bare status gets when nothing more specific set one (status-code pages, framework errors).</summary>
    public static string ForStatus(int status) => status switch
    {
        401 => InvalidToken,
        403 => Forbidden,
        404 => NotFound,
        405 => MethodNotAllowed,
        413 => PayloadTooLarge,
        415 => UnsupportedMediaType,
        429 => RateLimited,
        503 => StorageUnavailable,
        >= 500 => InternalError,
        _ => ValidationFailed,
    };

    public static string TitleFor(string code) => code switch
    {
        InvalidToken => "The credentials are missing or invalid",
        TokenExpired => "The execution token has expired",
        ExecutionFinished => "The execution has finished",
        ExecutionMismatch => "The token belongs to another execution",
        Forbidden => "These credentials cannot call this route",
        ValidationFailed => "The request is invalid",
        InvalidJson => "The body is not valid JSON",
        UnsupportedMediaType => "The body must be application/json",
        NotFound => "No such route",
        MethodNotAllowed => "Method not allowed on this route",
        ExecutionNotFound => "No such execution",
        VariableNotFound => "No such variable",
        CredentialNotFound => "No such credential",
        RunNotFound => "No such run",
        RunFinished => "The run has finished",
        RunNotQueued => "The run is not queued",
        RunActive => "An exclusive run of this definition is still going",
        DefinitionNotFound => "No such definition",
        DefinitionInvalid => "The definition is not valid",
        VersionConflict => "The variable's version does not match ifVersion",
        PayloadTooLarge => "The payload is over the limit",
        RateLimited => "Too many calls from this execution",
        IdempotencyConflict => "The Idempotency-Key was used with a different request",
        IdempotencyInProgress => "The first request with this Idempotency-Key is still running",
        ToolFailed => "The tool action could not be run",
        StorageUnavailable => "Storage is unavailable",
        _ => "An unexpected error occurred",
    };
}
