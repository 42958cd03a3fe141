using Microsoft.AspNetCore.Mvc;

namespace Cronium.Runtime.Problems;

/// <summary>Writes a problem from outside an endpoint (authentication challenges), through the same service as everything else.</summary>
internal static class ProblemWriter
{
    public static async Task WriteAsync(HttpContext http, int status, string code, string detail, IDictionary<string, object?>? extensions = null)
    {
        http.Response.StatusCode = status;
        var service = http.RequestServices.GetRequiredService<IProblemDetailsService>();
        await service.WriteAsync(new ProblemDetailsContext { HttpContext = http, ProblemDetails = Build(status, code, detail, extensions) });
    }

    public static ProblemDetails Build(int status, string code, string detail, IDictionary<string, object?>? extensions = null)
    {
        var problem = new ProblemDetails { Status = status, Title = ProblemCodes.TitleFor(code), Type = ApiProblem.TypePrefix + code, Detail = detail };
        problem.Extensions["code"] = code;
        if (extensions is not null)
            foreach (var (k, v) in extensions) problem.Extensions[k] = v;
        return problem;
    }
}
