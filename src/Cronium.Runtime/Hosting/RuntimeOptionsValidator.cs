namespace Cronium.Runtime.Hosting;

/// <summary>Refuses start-up on a bad setting, naming it. Missing keys are only fatal in Production.</summary>
internal sealed class RuntimeOptionsValidator(IHostEnvironment environment) : IValidateOptions<RuntimeOptions>
{
    public ValidateOptionsResult Validate(string? name, RuntimeOptions o)
    {
        var errors = new List<string>();
        var production = environment.IsProduction();

        if (string.IsNullOrWhiteSpace(o.SigningKey))
        {
            if (production) errors.Add("Runtime:SigningKey is required in Production (base64, at least 32 random bytes).");
        }
        else
        {
            CheckKey(errors, "Runtime:SigningKey", o.SigningKey, minBytes: 32, exactBytes: null);
        }
        for (var i = 0; i < o.PreviousSigningKeys.Length; i++)
            CheckKey(errors, $"Runtime:PreviousSigningKeys:{i}", RuntimeKeys.PreviousKey(o.PreviousSigningKeys[i]).Key, minBytes: 32, exactBytes: null);

        // An empty entry (Runtime__OrchestratorKeys__0= in an environment file) means "not set", not "a weak key".
        if (o.OrchestratorKeys.All(string.IsNullOrEmpty))
        {
            if (production) errors.Add("Runtime:OrchestratorKeys is required in Production (at least one key of 32 or more characters).");
        }
        for (var i = 0; i < o.OrchestratorKeys.Length; i++)
        {
            if (!string.IsNullOrEmpty(o.OrchestratorKeys[i]) && o.OrchestratorKeys[i].Length < 32)
                errors.Add($"Runtime:OrchestratorKeys:{i} is shorter than 32 characters.");
        }

        if (string.IsNullOrWhiteSpace(o.CredentialKey))
        {
            if (production) errors.Add("Runtime:CredentialKey is required in Production (base64 of exactly 32 random bytes).");
        }
        else
        {
            CheckKey(errors, "Runtime:CredentialKey", o.CredentialKey, minBytes: 32, exactBytes: 32);
        }
        for (var i = 0; i < o.PreviousCredentialKeys.Length; i++)
            CheckKey(errors, $"Runtime:PreviousCredentialKeys:{i}", o.PreviousCredentialKeys[i], minBytes: 32, exactBytes: 32);

        if (string.IsNullOrWhiteSpace(o.SqlitePath)) errors.Add("Runtime:SqlitePath must not be empty.");
        if (o.TokenGraceSeconds is < 0 or > 3600) errors.Add("Runtime:TokenGraceSeconds must be between 0 and 3600.");
        if (o.ClockSkewSeconds is < 0 or > 30) errors.Add("Runtime:ClockSkewSeconds must be between 0 and 30.");
        if (o.AuditRetentionDays < 1) errors.Add("Runtime:AuditRetentionDays must be at least 1.");
        // A day at least: idempotency records (kept 24 h) may name an execution, and a replay must still find it.
        if (o.RunRetentionDays < 1) errors.Add("Runtime:RunRetentionDays must be at least 1.");
        if (string.IsNullOrWhiteSpace(o.Issuer)) errors.Add("Runtime:Issuer must not be empty.");
        if (string.IsNullOrWhiteSpace(o.Audience)) errors.Add("Runtime:Audience must not be empty.");
        if (!IsOctalMode(o.UnixSocketMode)) errors.Add("Runtime:UnixSocketMode must be an octal mode such as 0660 or 0666.");

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    private static void CheckKey(List<string> errors, string setting, string? value, int minBytes, int? exactBytes)
    {
        byte[] bytes;
        try
        {
            bytes = Convert.FromBase64String(value ?? "");
        }
        catch (FormatException)
        {
            errors.Add($"{setting} is not valid base64.");
            return;
        }
        if (exactBytes is { } exact && bytes.Length != exact)
            errors.Add($"{setting} is {bytes.Length * 8} bits; it must be exactly {exact * 8}.");
        else if (bytes.Length < minBytes)
            errors.Add($"{setting} is {bytes.Length * 8} bits; at least {minBytes * 8} are required.");
    }

    internal static bool IsOctalMode(string? mode) =>
        !string.IsNullOrEmpty(mode) && mode.Length <= 4 && mode.All(c => c is >= '0' and <= '7');
}

internal sealed class LimitsOptionsValidator : IValidateOptions<LimitsOptions>
{
    public ValidateOptionsResult Validate(string? name, LimitsOptions o)
    {
        var errors = new List<string>();
        if (o.MaxValueBytes < 1) errors.Add("Runtime:Limits:MaxValueBytes must be positive.");
        if (o.MaxDataBytes < 1) errors.Add("Runtime:Limits:MaxDataBytes must be positive.");
        if (o.MaxLogBytes < 1024) errors.Add("Runtime:Limits:MaxLogBytes must be at least 1024.");
        if (o.MaxRequestBodyBytes < Math.Max(o.MaxValueBytes, o.MaxDataBytes))
            errors.Add("Runtime:Limits:MaxRequestBodyBytes must be at least MaxValueBytes and MaxDataBytes.");
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}

internal sealed class RateLimitOptionsValidator : IValidateOptions<RateLimitOptions>
{
    public ValidateOptionsResult Validate(string? name, RateLimitOptions o) =>
        o.PermitsPerSecond < 1
            ? ValidateOptionsResult.Fail("Runtime:RateLimit:PermitsPerSecond must be at least 1.")
            : ValidateOptionsResult.Success;
}

internal sealed class CacheOptionsValidator : IValidateOptions<CacheOptions>
{
    public ValidateOptionsResult Validate(string? name, CacheOptions o)
    {
        var errors = new List<string>();
        if (o.TtlSeconds < 1) errors.Add("Runtime:Cache:TtlSeconds must be at least 1.");
        if (o.TimeoutMilliseconds < 10) errors.Add("Runtime:Cache:TimeoutMilliseconds must be at least 10.");
        if (o.RetryAfterFailureSeconds < 1) errors.Add("Runtime:Cache:RetryAfterFailureSeconds must be at least 1.");
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
