// Every query's parameter writer and row reader is generated at build time (Dapper.AOT's interceptors) instead of
// emitted with Reflection.Emit at its first call: no IL made at run time, so the runtime can be published Native AOT.
// A query's cancellation token rides in its parameters (`new { Id = id, cancellationToken }`): Dapper.AOT reads no
// CommandDefinition. Statements whose parameters are a row or rows (the inserts of runs, nodes, executions, log chunks
// and audit entries, a node's update) and the runs list (SQL joined at run time) run without one; their connection or
// transaction still opens under the token, and each is one short statement.
[module: Dapper.DapperAot]
