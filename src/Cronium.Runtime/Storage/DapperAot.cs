// Every query's parameter writer and row reader is generated at build time (Dapper.AOT's interceptors) instead of
// emitted with Reflection.Emit at its first call: no IL made at run time, so the runtime can be published Native AOT.
// A query's cancellation token rides in its parameters (`new { Id = id, cancellationToken }`): Dapper.AOT reads no
// CommandDefinition. Statements whose parameters are a row or rows (the inserts of runs, nodes, executions, log chunks
// and audit entries, a node's update) and the runs list (SQL joined at run time) run without one; their connection or
// transaction still opens under the token, and each is one short statement.
// Rows go one call each, never a list in one call: given a list, Dapper.AOT sizes a text parameter once, from the first
// row (4000 for a short one), and the rows after it were cut to that size. Log chunks of up to 16 K characters lost
// their ends whenever a short one led the batch (LongLogChunksAfterAShortOneAreStoredWhole).
[module: Dapper.DapperAot]
