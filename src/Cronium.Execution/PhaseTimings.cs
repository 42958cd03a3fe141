using System.Diagnostics;

namespace Cronium.Execution;

/// <summary>
/// Where the time of a <c>cronium run</c> goes, for bench/run-overhead.sh: with <c>CRONIUM_TIMINGS=1</c> each phase
/// prints one line on stderr, <c>cronium-timing PHASE MS_SINCE_PROCESS_START MS_SINCE_PREVIOUS JIT_METHODS JIT_MS</c>
/// (the last two: methods the JIT compiled since the previous mark, on any thread, and the time it spent). Off by default,
/// and then a mark costs one static bool read, so the marks can stay in the run path.
/// </summary>
public static class PhaseTimings
{
    public static readonly bool Enabled = Environment.GetEnvironmentVariable("CRONIUM_TIMINGS") == "1";

    private static readonly Lock Gate = new();
    private static DateTime? processStart;
    private static double previous;
    private static long previousMethods;
    private static TimeSpan previousJit;

    public static void Mark(string phase)
    {
        if (!Enabled) return;
        lock (Gate)
        {
            // The process's start (from /proc, in jiffies) rather than Main's: what the runtime's own start-up costs counts too.
            processStart ??= Process.GetCurrentProcess().StartTime.ToUniversalTime();
            var since = (DateTime.UtcNow - processStart.Value).TotalMilliseconds;
            var methods = System.Runtime.JitInfo.GetCompiledMethodCount();
            var jit = System.Runtime.JitInfo.GetCompilationTime();
            Console.Error.WriteLine($"cronium-timing {phase} {since:0} {since - previous:0} {methods - previousMethods} {(jit - previousJit).TotalMilliseconds:0}");
            (previous, previousMethods, previousJit) = (since, methods, jit);
        }
    }
}
