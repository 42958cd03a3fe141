using System.Globalization;
using Cronium.Runtime.Problems;
using Cronium.Runtime.Storage;
using Cronium.Runtime.Streaming;

namespace Cronium.Runtime.Logs;

/// <summary>
/// Follows one execution's log as server-sent events: every stored line once, in order, then <c>end</c>. The writer
/// may be another runtime instance, so the database is the only source: it is polled, there is no in-process bus.
/// </summary>
internal static class LogStream
{
    public const string LastEventIdHeader = "Last-Event-ID";

    private const int PageSize = 500;

    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(200);

    /// <summary>
    /// Where a follower starts: the <c>Last-Event-ID</c> a reconnecting client sends wins over <c>after</c>, which
    /// stays in the URL it reconnects to. A header that is not a seq is a 400 naming it.
    /// </summary>
    public static long StartAfter(HttpRequest request, long? after)
    {
        var header = request.Headers[LastEventIdHeader].ToString();
        if (header.Length == 0) return after ?? 0;
        return long.TryParse(header, NumberStyles.None, CultureInfo.InvariantCulture, out var seq)
            ? seq
            : throw ApiProblem.Validation(LastEventIdHeader, $"'{LastEventIdHeader}' must be the id (seq) of a log event.");
    }

    public static async Task FollowAsync(EventStreamWriter events, LogStore logs, string executionId, long after, CancellationToken cancellationToken)
    {
        while (true)
        {
            // The state first, then the pages: lines written before an end this state reports are all in them.
            if (await logs.StateAsync(executionId, cancellationToken) is not { } state) return; // pruned while followed
            IReadOnlyList<LogRow> page;
            do
            {
                page = await logs.PageAsync(executionId, after, PageSize, cancellationToken);
                foreach (var row in page)
                    events.Write("log", new LogEntryResponse(row.Seq, Time.FromMs(row.At), row.Stream, row.Text), row.Seq);
                if (page.Count > 0)
                {
                    after = page[^1].Seq;
                    await events.FlushAsync(cancellationToken);
                }
            }
            while (page.Count == PageSize);

            if (state.Status != ExecutionStore.Running)
            {
                events.Write("end", new StreamEnd(state.Status));
                await events.FlushAsync(cancellationToken);
                return;
            }
            await events.PauseAsync(PollInterval, cancellationToken);
        }
    }
}
