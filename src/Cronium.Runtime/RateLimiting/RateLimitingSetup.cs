using Cronium.Runtime.Auth;
using Cronium.Runtime.Caching;
using Cronium.Runtime.Problems;

namespace Cronium.Runtime.RateLimiting;

internal static class RateLimitingSetup
{
    public static WebApplicationBuilder AddRateLimiting(this WebApplicationBuilder builder)
    {
        builder.Services.AddSingleton<ExecutionRateLimiter>();
        return builder;
    }

    public static RouteGroupBuilder WithExecutionRateLimit(this RouteGroupBuilder group)
    {
        group.AddEndpointFilter(async (context, next) =>
        {
            var http = context.HttpContext;
            var limiter = http.RequestServices.GetRequiredService<ExecutionRateLimiter>();
            var caller = ExecutionCaller.From(http);
            var decision = await limiter.TryAcquireAsync(caller.ExecutionId, CallLookup.From(http));
            // Added as the answer starts: a problem written by the exception handler clears headers set before it.
            http.Response.OnStarting(() =>
            {
                decision.Describe(http.Response.Headers);
                return Task.CompletedTask;
            });
            if (decision.Allowed) return await next(context);
            var seconds = decision.ResetSeconds;
            http.Response.Headers.RetryAfter = seconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
            return ApiProblem.Create(StatusCodes.Status429TooManyRequests, ProblemCodes.RateLimited,
                $"This execution made more than {decision.Limit} calls in one second; retry after {seconds} s.",
                new Dictionary<string, object?> { ["retryAfter"] = seconds });
        });
        return group;
    }
}
