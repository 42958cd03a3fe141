global using Cronium.Testing;
global using Xunit;

// The tests read and seed the stores with plain Dapper; only the runtime's own queries are generated at build time.
[module: Dapper.DapperAot(false)]
