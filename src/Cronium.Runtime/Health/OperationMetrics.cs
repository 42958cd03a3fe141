using System.Collections.Concurrent;
using System.Diagnostics;
using Prometheus;

namespace Cronium.Runtime.Health;

/// <summary>
/// Requests counted and timed per operation (the route's operationId), status class and method, and those in
/// progress: the series prometheus-net's <c>UseHttpMetrics</c> wrote, under the same names, less its MVC-only
/// <c>controller</c> and <c>action</c> labels (always empty here). One middleware instead of its four, and each
/// series found once per endpoint rather than by hashing its label values on every request: that search and the
/// label arrays were 2 % of getVariable's CPU and 0.7 KB of its allocation.
/// </summary>
internal static class OperationMetrics
{
    private static readonly string[] Labels = ["code", "method", "operation", "endpoint"];

    private static readonly Counter Received = Metrics.CreateCounter("http_requests_received_total",
        "Provides the count of HTTP requests that have been processed by the ASP.NET Core pipeline.", Labels);

    private static readonly Histogram Duration = Metrics.CreateHistogram("http_request_duration_seconds",
        "The duration of HTTP requests processed by an ASP.NET Core application.", Labels,
        new HistogramConfiguration { Buckets = Histogram.ExponentialBuckets(0.001, 2, 16) });

    private static readonly Gauge InProgress = Metrics.CreateGauge("http_requests_in_progress",
        "The number of requests currently in progress in the ASP.NET Core pipeline.", "method", "operation", "endpoint");

    private static readonly string[] Codes = ["1xx", "2xx", "3xx", "4xx", "5xx"];

    // Keyed by the endpoint object (null: no route matched), so a request's series is one dictionary probe away.
    private static readonly ConcurrentDictionary<(Endpoint?, string Method, int Code), (Counter.Child Count, Histogram.Child Time)> Ended = new();
    private static readonly ConcurrentDictionary<(Endpoint?, string Method), Gauge.Child> Running = new();

    public static async Task MeasureAsync(HttpContext http, RequestDelegate next)
    {
        var started = Stopwatch.GetTimestamp();
        var endpoint = http.GetEndpoint();
        var method = Method(http.Request.Method);
        var running = Running.GetOrAdd((endpoint, method), static k => InProgress.WithLabels(k.Method, Operation(k.Item1), Pattern(k.Item1)));
        running.Inc();
        var escaped = true;
        try
        {
            await next(http);
            escaped = false;
        }
        finally
        {
            running.Dec();
            // An exception that got past the problem handler is answered 500 by the server, unless the answer had begun.
            var code = escaped && !http.Response.HasStarted ? 5 : Math.Clamp(http.Response.StatusCode / 100, 1, 5);
            var ended = Ended.GetOrAdd((endpoint, method, code),
                static k => (Received.WithLabels(Codes[k.Code - 1], k.Method, Operation(k.Item1), Pattern(k.Item1)),
                             Duration.WithLabels(Codes[k.Code - 1], k.Method, Operation(k.Item1), Pattern(k.Item1))));
            ended.Count.Inc();
            ended.Time.Observe(Stopwatch.GetElapsedTime(started).TotalSeconds);
        }
    }

    private static string Operation(Endpoint? endpoint) => endpoint?.Metadata.GetMetadata<IEndpointNameMetadata>()?.EndpointName ?? "none";

    private static string Pattern(Endpoint? endpoint) => (endpoint as RouteEndpoint)?.RoutePattern.RawText ?? "";

    /// <summary>The methods the API has, and "other": a label value a client cannot make up.</summary>
    private static string Method(string method) => method switch
    {
        _ when HttpMethods.IsGet(method) => HttpMethods.Get,
        _ when HttpMethods.IsPut(method) => HttpMethods.Put,
        _ when HttpMethods.IsPost(method) => HttpMethods.Post,
        _ when HttpMethods.IsDelete(method) => HttpMethods.Delete,
        _ when HttpMethods.IsPatch(method) => HttpMethods.Patch,
        _ when HttpMethods.IsHead(method) => HttpMethods.Head,
        _ when HttpMethods.IsOptions(method) => HttpMethods.Options,
        _ => "other",
    };
}
