global using System.CommandLine;
global using System.Text.Json.Nodes;
global using Cronium.Execution;
global using Cronium.Execution.Events;
global using Cronium.Execution.Runtime;
global using Spectre.Console;
