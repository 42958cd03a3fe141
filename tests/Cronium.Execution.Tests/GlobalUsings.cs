global using Cronium.Testing;
global using Xunit;
