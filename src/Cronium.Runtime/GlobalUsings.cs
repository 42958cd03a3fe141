// Framework namespaces nearly every feature uses (the Web SDK's implicit usings add ASP.NET Core's own). The project's
// folders are never imported globally: each file's usings show which features it depends on.
global using System.Text.Json;
global using Microsoft.AspNetCore.Http.HttpResults;
global using Microsoft.Extensions.Options;
