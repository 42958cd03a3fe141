using Cronium.Execution.Backends;

namespace Cronium.Execution.Runtime;

/// <summary>
/// Passes a job's output on as it comes and records it in the runtime as numbered chunks (appendLogs), in the
/// background: a script that prints fast is never slowed by the recording. Chunks keep their numbers across
/// retries, so a batch sent twice is stored once. <see cref="CompleteAsync"/> sends what is left before the
/// execution is completed (appends are refused after that).
/// </summary>
public sealed class LogRecorder : IOutputSink
{
    /// <summary>A chunk the runtime takes (its per-entry limit is 65536 characters).</summary>
    private const int MaxChunkChars = 16 * 1024;

    /// <summary>Held in memory while the runtime is slow; past it, output is passed on but not recorded, and said so.</summary>
    private const long MaxPendingChars = 16L * 1024 * 1024;

    private static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(200);

    private readonly RuntimeClient runtime;
    private readonly string executionId;
    private readonly IOutputSink inner;
    private readonly Lock gate = new();
    private readonly List<JsonObject> pending = [];
    private readonly SemaphoreSlim wake = new(0);
    private readonly CancellationTokenSource stop = new();
    private readonly Task loop;
    private long seq;
    private long pendingChars;
    private bool capped;

    public LogRecorder(RuntimeClient runtime, string executionId, IOutputSink inner)
    {
        this.runtime = runtime;
        this.executionId = executionId;
        this.inner = inner;
        loop = Task.Run(SendLoopAsync);
    }

    /// <summary>Output that could not be recorded (the runtime was unreachable to the end), for the caller to report.</summary>
    public string? Problem { get; private set; }

    public void Write(OutputStream stream, string text)
    {
        inner.Write(stream, text);
        lock (gate)
        {
            if (capped) return;
            if (pendingChars + text.Length > MaxPendingChars)
            {
                Problem ??= "the runtime fell too far behind; part of the output was not recorded in the log";
                return;
            }
            var at = DateTimeOffset.UtcNow;
            for (var i = 0; i < text.Length;)
            {
                // Never split a surrogate pair: each chunk must be valid text on its own.
                var length = Math.Min(MaxChunkChars, text.Length - i);
                if (i + length < text.Length && char.IsHighSurrogate(text[i + length - 1])) length--;
                var piece = text.Substring(i, length);
                i += length;
                pending.Add(new JsonObject { ["seq"] = ++seq, ["at"] = at, ["stream"] = stream == OutputStream.Stdout ? "stdout" : "stderr", ["text"] = piece });
                pendingChars += piece.Length;
            }
            if (pendingChars >= 64 * 1024) wake.Release();
        }
    }

    /// <summary>Sends what is left; after this the execution may be completed. Never throws: a log is not worth failing a run.</summary>
    public async Task CompleteAsync()
    {
        stop.Cancel();
        wake.Release();
        await loop;
        // Batch after batch until nothing is left; five failures in a row and the runtime is taken to be gone.
        for (var failures = 0; HasPending() && failures < 5;)
        {
            if (await TrySendAsync(CancellationToken.None)) continue;
            failures++;
            await Task.Delay(100 * failures);
        }
        if (HasPending()) Problem ??= "the runtime could not be reached; the end of the output was not recorded in the log";
    }

    private bool HasPending()
    {
        lock (gate) return pending.Count > 0 && !capped;
    }

    private async Task SendLoopAsync()
    {
        while (!stop.IsCancellationRequested)
        {
            try
            {
                await wake.WaitAsync(Interval, stop.Token);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            await TrySendAsync(stop.Token);
        }
    }

    /// <summary>One batch; false when the runtime did not take it (it stays pending, with the same numbers).</summary>
    private async Task<bool> TrySendAsync(CancellationToken cancellationToken)
    {
        JsonArray batch;
        int count;
        lock (gate)
        {
            if (pending.Count == 0 || capped) return true;
            count = Math.Min(pending.Count, 500);
            batch = new JsonArray(pending.Take(count).Select(e => (JsonNode)e.DeepClone()).ToArray());
        }
        try
        {
            var answer = await runtime.AppendLogsAsync(executionId, batch, cancellationToken);
            lock (gate)
            {
                foreach (var sent in pending.Take(count)) pendingChars -= ((string)sent["text"]!).Length;
                pending.RemoveRange(0, count);
                // Past the cap the runtime keeps nothing more: stop sending what it would drop.
                if ((bool?)answer["truncated"] == true)
                {
                    capped = true;
                    pending.Clear();
                    pendingChars = 0;
                }
            }
            return true;
        }
        catch (Exception e) when (e is HttpRequestException or RuntimeApiException or TaskCanceledException)
        {
            return false;
        }
    }
}
