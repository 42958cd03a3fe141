global using System.Text.Json.Nodes;
global using Cronium.Testing;
global using Xunit;
