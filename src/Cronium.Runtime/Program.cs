using Cronium.Runtime;
using Cronium.Runtime.Audit;
using Cronium.Runtime.Auth;
using Cronium.Runtime.Caching;
using Cronium.Runtime.Executions;
using Cronium.Runtime.Health;
using Cronium.Runtime.Logs;
using Cronium.Runtime.Hosting;
using Cronium.Runtime.OpenApi;
using Cronium.Runtime.Problems;
using Cronium.Runtime.RateLimiting;
using Cronium.Runtime.Runs;
using Cronium.Runtime.Storage;
using Cronium.Runtime.ToolActions;
using Cronium.Runtime.Validation;
using Cronium.Runtime.Variables;

await Program.CreateApp(args).RunAsync();

public partial class Program
{
    /// <summary>Builds the runtime API; <c>cronium serve</c> and <c>cronium run</c> embed it through here, adding their own services and routes.</summary>
    public static WebApplication CreateApp(string[] args, Action<WebApplicationBuilder>? configure = null, Action<WebApplication>? map = null)
    {
        // The slim builder: no IIS, HTTPS or QUIC set-up and no Debug/EventSource loggers, none of which a sidecar on
        // loopback or a Unix socket uses, and each of which `cronium run` paid for while its runtime started.
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions
        {
            Args = args,
            ApplicationName = typeof(Program).Assembly.GetName().Name,
            ContentRootPath = AppContext.BaseDirectory,
        });
        configure?.Invoke(builder);

        builder.AddRuntimeOptions();
        builder.AddListeners();
        builder.AddProblems();
        builder.AddStorage();
        builder.AddCaching();
        builder.AddExecutions();
        builder.AddRuns();
        builder.AddLogs();
        builder.AddVariables();
        builder.AddAuth();
        builder.AddRateLimiting();
        builder.AddAudit();
        builder.AddToolActions();
        builder.AddValidation();
        builder.AddHealth();

        var app = builder.Build();

        app.UseMetrics();
        app.UseAudit();
        app.UseProblems();
        app.UseCallerAuthentication();

        app.MapHealth();
        app.MapOpenApiDocument();
        app.MapExecutions();
        app.MapExecutionData();
        app.MapLogs();
        app.MapRuns();
        app.MapRunControl();
        app.MapVariables();
        app.MapUserVariables();
        app.MapToolActions();
        app.MapToolCredentials();
        // What a host adds (cronium serve: definitions, the runs API), behind the same middleware.
        map?.Invoke(app);

        return app;
    }
}
