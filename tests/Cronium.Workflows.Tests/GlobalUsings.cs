global using System.Text.Json.Nodes;
global using Cronium.Execution;
global using Cronium.Execution.Backends;
global using Cronium.Execution.Events;
global using Cronium.Execution.Runtime;
global using Cronium.Testing;
global using Cronium.Workflows.Steps;
global using Xunit;
