using Cronium.Runtime.Auth;
using Cronium.Runtime.Problems;
using Cronium.Runtime.Storage;

namespace Cronium.Runtime.Audit;

internal static class AuditSetup
{
    public static WebApplicationBuilder AddAudit(this WebApplicationBuilder builder)
    {
        builder.Services.AddSingleton<AuditLog>();
        builder.Services.AddHostedService<AuditWriter>();
        return builder;
    }

    public static RouteGroupBuilder WithAudit(this RouteGroupBuilder group) => group.WithMetadata(AuditedOperation.Instance);

    /// <summary>Runs outside error handling and authentication, so refused and failed calls are recorded with the outcome the caller saw.</summary>
    public static WebApplication UseAudit(this WebApplication app)
    {
        app.Use(async (http, next) =>
        {
            var endpoint = http.GetEndpoint();
            if (endpoint?.Metadata.GetMetadata<AuditedOperation>() is null)
            {
                await next(http);
                return;
            }
            // Captured first: the exception handler clears route values before it writes its problem.
            var executionId = http.Request.RouteValues["executionId"] as string ?? "";
            var key = http.Request.RouteValues["key"] as string;
            var operation = endpoint.Metadata.GetMetadata<IEndpointNameMetadata>()?.EndpointName ?? endpoint.DisplayName ?? "";
            try
            {
                await next(http);
            }
            finally
            {
                await http.RequestServices.GetRequiredService<AuditLog>().RecordAsync(new AuditEntry(
                    executionId,
                    http.Features.Get<ExecutionCaller>()?.UserId,
                    operation,
                    key,
                    http.Response.StatusCode,
                    http.Items[ProblemsSetup.ProblemCodeItem] as string,
                    Time.ToMs(DateTimeOffset.UtcNow)));
            }
        });
        return app;
    }
}
