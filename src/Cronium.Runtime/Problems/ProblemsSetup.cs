using System.Diagnostics;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Mvc;

namespace Cronium.Runtime.Problems;

internal static class ProblemsSetup
{
    public const string ProblemCodeItem = "cronium.problem.code";

    public static WebApplicationBuilder AddProblems(this WebApplicationBuilder builder)
    {
        builder.Services.AddProblemDetails(o => o.CustomizeProblemDetails = ctx => Complete(ctx.HttpContext, ctx.ProblemDetails));
        // After the default writer: it declines a client whose Accept names neither JSON nor */*, and a refusal
        // must still be a problem document (a 401 is a 401 whatever the client accepts), never an empty 500.
        builder.Services.AddSingleton<IProblemDetailsWriter, AnyAcceptProblemWriter>();
        builder.Services.AddExceptionHandler<ProblemExceptionHandler>();
        return builder;
    }

    /// <summary>One path for every error: thrown problems, framework errors and bare status codes all end as problem+json.</summary>
    public static WebApplication UseProblems(this WebApplication app)
    {
        app.UseExceptionHandler();
        // What UseStatusCodePages did (a problem for a status that came without a body: no route, a method the route
        // does not take), without the feature, the dictionary and the state machine it made on every call.
        app.Use(static (http, next) =>
        {
            var pending = next(http);
            return pending.IsCompletedSuccessfully ? ProblemForBareStatus(http) : AwaitThenProblemForBareStatus(pending, http);
        });
        return app;
    }

    private static async Task AwaitThenProblemForBareStatus(Task pending, HttpContext http)
    {
        await pending;
        await ProblemForBareStatus(http);
    }

    private static Task ProblemForBareStatus(HttpContext http)
    {
        var response = http.Response;
        if (response.HasStarted || response.StatusCode is < 400 or >= 600 || response.ContentLength.HasValue || !string.IsNullOrEmpty(response.ContentType))
            return Task.CompletedTask;
        var problems = http.RequestServices.GetRequiredService<IProblemDetailsService>();
        return problems.WriteAsync(new ProblemDetailsContext { HttpContext = http, ProblemDetails = { Status = response.StatusCode } }).AsTask();
    }

    private static void Complete(HttpContext http, ProblemDetails problem)
    {
        var status = problem.Status ?? http.Response.StatusCode;
        problem.Status = status;
        if (problem.Extensions.TryGetValue("code", out var c) && c is string code)
        {
        }
        else
        {
            code = ProblemCodes.ForStatus(status);
            problem.Extensions["code"] = code;
            problem.Title = ProblemCodes.TitleFor(code);
            problem.Type = ApiProblem.TypePrefix + code;
            problem.Detail ??= status switch
            {
                404 => "No route matches this path.",
                405 => $"{http.Request.Method} is not allowed on this route.",
                _ => null,
            };
        }
        problem.Detail ??= problem.Title;
        problem.Type ??= ApiProblem.TypePrefix + code;
        problem.Instance ??= http.Request.Path;
        problem.Extensions["traceId"] = Activity.Current?.Id ?? http.TraceIdentifier;
        // The serializer never sees the exception: detail of an unhandled error must not leak internals.
        problem.Extensions.Remove("exception");
        http.Items[ProblemCodeItem] = code;
    }
}

/// <summary>Writes application/problem+json for any Accept header, as the last writer asked.</summary>
internal sealed class AnyAcceptProblemWriter(
    Microsoft.Extensions.Options.IOptions<Microsoft.AspNetCore.Http.Json.JsonOptions> json,
    Microsoft.Extensions.Options.IOptions<ProblemDetailsOptions> problems) : IProblemDetailsWriter
{
    public bool CanWrite(ProblemDetailsContext context) => true;

    public ValueTask WriteAsync(ProblemDetailsContext context)
    {
        // The same completion the default writer applies (code, title, traceId): one shape whoever writes it.
        problems.Value.CustomizeProblemDetails?.Invoke(context);
        var http = context.HttpContext;
        return new ValueTask(http.Response.WriteAsJsonAsync(context.ProblemDetails, (System.Text.Json.Serialization.Metadata.JsonTypeInfo<ProblemDetails>)json.Value.SerializerOptions.GetTypeInfo(typeof(ProblemDetails)), "application/problem+json", http.RequestAborted));
    }
}

/// <summary>Maps exceptions to problems. Anything unexpected becomes a generic 500 that names nothing internal.</summary>
internal sealed class ProblemExceptionHandler(IProblemDetailsService problems, ILogger<ProblemExceptionHandler> logger) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext http, Exception exception, CancellationToken cancellationToken)
    {
        if (exception is OperationCanceledException && http.RequestAborted.IsCancellationRequested)
        {
            // The client went away; there is nobody to answer.
            http.Response.StatusCode = 499;
            return true;
        }

        var (status, code, detail, extensions, retryAfter) = Classify(exception);
        if (status >= 500 && code == ProblemCodes.InternalError)
            logger.LogError(exception, "Unhandled error on {Method} {Path}", http.Request.Method, http.Request.Path);
        else if (code == ProblemCodes.StorageUnavailable)
            logger.LogWarning("Storage unavailable on {Method} {Path}: {Error}", http.Request.Method, http.Request.Path, exception.GetType().Name + ": " + exception.Message);

        http.Response.StatusCode = status;
        if (retryAfter is { } wait)
            http.Response.Headers.RetryAfter = ((int)Math.Ceiling(wait.TotalSeconds)).ToString(System.Globalization.CultureInfo.InvariantCulture);

        var problem = ProblemWriter.Build(status, code, detail, extensions);
        if (retryAfter is { } r) problem.Extensions["retryAfter"] = (int)Math.Ceiling(r.TotalSeconds);

        return await problems.TryWriteAsync(new ProblemDetailsContext { HttpContext = http, ProblemDetails = problem, Exception = exception });
    }

    private static (int Status, string Code, string Detail, IDictionary<string, object?>? Extensions, TimeSpan? RetryAfter) Classify(Exception exception) =>
        exception switch
        {
            ApiProblemException p => (p.Status, p.Code, p.Message, p.Extensions, p.RetryAfter),
            BadHttpRequestException { StatusCode: StatusCodes.Status413PayloadTooLarge } => (413, ProblemCodes.PayloadTooLarge,
                "The request body is over the limit.", null, null),
            BadHttpRequestException { InnerException: JsonException json } => (400, ProblemCodes.InvalidJson, JsonErrors.Describe(json), null, null),
            BadHttpRequestException bad => (bad.StatusCode, ProblemCodes.ForStatus(bad.StatusCode), bad.Message, null, null),
            JsonException json => (400, ProblemCodes.InvalidJson, JsonErrors.Describe(json), null, null),
            _ when Storage.StorageErrors.IsUnavailable(exception) => (503, ProblemCodes.StorageUnavailable,
                "Storage did not answer; retry shortly.", null, TimeSpan.FromSeconds(1)),
            _ => (500, ProblemCodes.InternalError, "An unexpected error occurred; it has been logged.", null, null),
        };
}
