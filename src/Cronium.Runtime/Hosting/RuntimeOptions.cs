namespace Cronium.Runtime.Hosting;

/// <summary>The <c>Runtime</c> configuration section (names fixed by DESIGN.md).</summary>
public sealed class RuntimeOptions
{
    public const string Section = "Runtime";

    /// <summary>Base64, at least 32 bytes; signs execution tokens.</summary>
    public string? SigningKey { get; set; }

    /// <summary>The <c>kid</c> of <see cref="SigningKey"/>; derived from the key when empty.</summary>
    public string? SigningKeyId { get; set; }

    /// <summary>Keys still accepted for validation while tokens they signed live out (rotation).</summary>
    public string[] PreviousSigningKeys { get; set; } = [];

    public string[] OrchestratorKeys { get; set; } = [];

    /// <summary>Keys a hosting process sets for its own workers in memory (cronium serve); never the operator's to set.</summary>
    public string[] HostOrchestratorKeys { get; set; } = [];

    /// <summary>Base64, exactly 32 bytes (AES-256-GCM); encrypts tool credentials at rest.</summary>
    public string? CredentialKey { get; set; }

    public string[] PreviousCredentialKeys { get; set; } = [];

    public string SqlitePath { get; set; } = DefaultSqlitePath();

    public string? UnixSocket { get; set; }

    /// <summary>False listens on the Unix socket only (the embedded runtime of <c>cronium run</c>).</summary>
    public bool ListenTcp { get; set; } = true;

    /// <summary>
    /// Stop (gracefully) when standard input reaches its end: how <c>cronium run</c>'s native runtime, a child process,
    /// ends with the command that started it, even when that command is killed and cannot ask.
    /// </summary>
    public bool StopWhenInputCloses { get; set; }

    /// <summary>Octal permissions of the Unix socket; 0666 lets a container's non-root user connect.</summary>
    public string UnixSocketMode { get; set; } = "0666";

    /// <summary>Added to an execution's timeout to give its token lifetime.</summary>
    public int TokenGraceSeconds { get; set; } = 60;

    public int ClockSkewSeconds { get; set; } = 30;

    /// <summary>Audit rows older than this are pruned.</summary>
    public int AuditRetentionDays { get; set; } = 30;

    /// <summary>Ended runs, executions and their logs older than this are pruned.</summary>
    public int RunRetentionDays { get; set; } = 30;

    public string Issuer { get; set; } = "cronium-runtime";

    public string Audience { get; set; } = "cronium-scripts";

    internal static string DefaultSqlitePath() =>
        Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData, Environment.SpecialFolderOption.DoNotVerify), "cronium", "runtime.db");
}

/// <summary>The <c>Runtime:Limits</c> section. Limits are loud: over them is a 413, never a truncation.</summary>
public sealed class LimitsOptions
{
    public const string Section = "Runtime:Limits";
    public int MaxValueBytes { get; set; } = 1 << 20;
    public int MaxDataBytes { get; set; } = 8 << 20;
    public int MaxRequestBodyBytes { get; set; } = 9 << 20;

    /// <summary>An execution's recorded log; past it, the log says so and the rest is not kept.</summary>
    public long MaxLogBytes { get; set; } = 1 << 20;
}

/// <summary>The <c>Runtime:RateLimit</c> section: calls per execution per second.</summary>
public sealed class RateLimitOptions
{
    public const string Section = "Runtime:RateLimit";
    public int PermitsPerSecond { get; set; } = 100;
}

/// <summary>The <c>Runtime:Cache</c> section (used only when <c>ConnectionStrings:Valkey</c> is set).</summary>
public sealed class CacheOptions
{
    public const string Section = "Runtime:Cache";
    public int TtlSeconds { get; set; } = 300;

    /// <summary>A cache call slower than this counts as a failure and the call reads through to storage.</summary>
    public int TimeoutMilliseconds { get; set; } = 250;

    /// <summary>After a failure the cache is skipped this long before it is tried again.</summary>
    public int RetryAfterFailureSeconds { get; set; } = 5;
}
