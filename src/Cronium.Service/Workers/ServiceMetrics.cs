using Prometheus;

namespace Cronium.Service.Workers;

/// <summary>Runs started and ended (by status), fires skipped, how long a run waited to start, and the queue, per definition; on /metrics.</summary>
internal sealed class ServiceMetrics
{
    private static readonly Counter StartedRuns = Metrics.CreateCounter("cronium_runs_started_total", "Runs a worker started.", "kind", "definition");
    private static readonly Counter EndedRuns = Metrics.CreateCounter("cronium_runs_ended_total", "Runs that ended, by status.", "kind", "definition", "status");
    private static readonly Counter SkippedFires = Metrics.CreateCounter("cronium_fires_skipped_total", "Schedule fires skipped because the previous run still went (overlap: skip).", "kind", "definition");
    private static readonly Histogram StartLatency = Metrics.CreateHistogram("cronium_run_start_latency_seconds", "From the scheduled time (or the start request) to the worker starting the run.",
        new HistogramConfiguration { LabelNames = ["kind", "definition"], Buckets = Histogram.ExponentialBuckets(0.005, 2, 14) });
    private static readonly Gauge Running = Metrics.CreateGauge("cronium_runs_running", "Runs this instance's workers are running now.");

    public void Started(string kind, string name, TimeSpan waited)
    {
        StartedRuns.WithLabels(kind, name).Inc();
        StartLatency.WithLabels(kind, name).Observe(Math.Max(0, waited.TotalSeconds));
        Running.Inc();
    }

    public void Ended(string kind, string name, string status) => EndedRuns.WithLabels(kind, name, status).Inc();

    /// <summary>A run <see cref="Started"/> is no longer this instance's, however it went.</summary>
    public void Left() => Running.Dec();

    public void Skipped(string kind, string name) => SkippedFires.WithLabels(kind, name).Inc();
}
