using System.Collections.Concurrent;
using System.Diagnostics;
using System.Runtime.CompilerServices;
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

    // Each endpoint's series, found from the endpoint object in one probe; weakly held, so the endpoints of an app
    // that stopped (tests and `cronium run` start many in one process) go with it.
    private static readonly ConditionalWeakTable<Endpoint, Series> PerEndpoint = new();
    private static readonly Series Unrouted = new(null);

    public static async Task MeasureAsync(HttpContext http, RequestDelegate next)
    {
        var started = Stopwatch.GetTimestamp();
        var endpoint = http.GetEndpoint();
        var series = endpoint is null ? Unrouted : PerEndpoint.GetValue(endpoint, static e => new Series(e));
        var method = Method(http.Request.Method);
        var running = series.Running(method);
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
            var (count, time) = series.Ended(method, code);
            count.Inc();
            time.Observe(Stopwatch.GetElapsedTime(started).TotalSeconds);
        }
    }

    /// <summary>One endpoint's labelled series, made on first use.</summary>
    private sealed class Series(Endpoint? endpoint)
    {
        private readonly string operation = Operation(endpoint);
        private readonly string pattern = Pattern(endpoint);
        private readonly ConcurrentDictionary<string, Gauge.Child> running = new();
        private readonly ConcurrentDictionary<(string Method, int Code), (Counter.Child, Histogram.Child)> ended = new();

        public Gauge.Child Running(string method) =>
            running.GetOrAdd(method, static (m, s) => InProgress.WithLabels(m, s.operation, s.pattern), this);

        public (Counter.Child Count, Histogram.Child Time) Ended(string method, int code) =>
            ended.GetOrAdd((method, code), static (k, s) => (
                Received.WithLabels(Codes[k.Code - 1], k.Method, s.operation, s.pattern),
                Duration.WithLabels(Codes[k.Code - 1], k.Method, s.operation, s.pattern)), this);
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
