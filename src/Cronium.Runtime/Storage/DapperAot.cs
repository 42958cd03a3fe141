// Every query's parameter writer and row reader is generated at build time (Dapper.AOT's interceptors) instead of
// emitted with Reflection.Emit at its first call: no IL made at run time, so the runtime can be published Native AOT.
[module: Dapper.DapperAot]
