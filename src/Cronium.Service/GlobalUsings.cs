global using System.Text.Json.Nodes;
global using Cronium.Execution;
global using Cronium.Execution.Backends;
global using Cronium.Execution.Events;
global using Cronium.Execution.Runtime;
global using Microsoft.AspNetCore.Builder;
global using Microsoft.AspNetCore.Http;
global using Microsoft.AspNetCore.Routing;
global using Microsoft.Extensions.Configuration;
global using Microsoft.Extensions.DependencyInjection;
global using Microsoft.Extensions.Hosting;
global using Microsoft.Extensions.Logging;
global using Microsoft.Extensions.Options;
global using Quartz;

// The service runs where its backends do (processes in sessions, Unix sockets, Docker): Linux.
[assembly: System.Runtime.Versioning.SupportedOSPlatform("linux")]
