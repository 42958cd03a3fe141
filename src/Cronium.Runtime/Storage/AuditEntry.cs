namespace Cronium.Runtime.Storage;

/// <summary>One row of the audit trail: a script-facing call and the outcome its caller saw (the Audit feature writes them).</summary>
internal sealed record AuditEntry(string ExecutionId, string? UserId, string Operation, string? Key, int Status, string? Code, long At);
