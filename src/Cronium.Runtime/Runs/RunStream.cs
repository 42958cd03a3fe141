using System.Text;
using Cronium.Runtime.Storage;
using Cronium.Runtime.Streaming;

namespace Cronium.Runtime.Runs;

/// <summary>
/// Follows a run as server-sent events: the run as getRun shows it, again each time it moves, then <c>end</c>.
/// Polls the database (the orchestrator moving the run may be another instance) with a few small rows, and reads
/// the whole run only when those rows changed.
/// </summary>
internal static class RunStream
{
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(250);

    public static async Task FollowAsync(EventStreamWriter events, RunStore runs, ExecutionStore executions, string runId, CancellationToken cancellationToken)
    {
        string? sent = null;
        while (true)
        {
            var progress = await runs.ProgressAsync(runId, cancellationToken);
            if (progress.Count == 0) return; // pruned while followed
            if (Fingerprint(progress.Select(p => (p.Part, p.Id, p.Status, p.Attempts))) != sent)
            {
                if (await runs.GetAsync(runId, cancellationToken) is not { } row) return;
                var run = RunResponse.From(row, await runs.NodesAsync(runId, cancellationToken), await executions.ListByRunAsync(runId, cancellationToken));
                // Of what was sent, not of the rows polled: a change landing between the two reads is in this
                // event already, and the next poll must not send it a second time.
                var shown = Fingerprint(Rows(run));
                if (shown != sent)
                {
                    events.Write("run", run);
                    sent = shown;
                }
                if (RunStatuses.Final.Contains(run.Status))
                {
                    events.Write("end", new StreamEnd(run.Status));
                    await events.FlushAsync(cancellationToken);
                    return;
                }
                await events.FlushAsync(cancellationToken);
            }
            await events.PauseAsync(PollInterval, cancellationToken);
        }
    }

    private static IEnumerable<(string Part, string Id, string Status, int Attempts)> Rows(RunResponse run) =>
        [(RunStore.ProgressOfRun, run.RunId, run.Status, 0),
         .. run.Nodes.Select(n => (RunStore.ProgressOfNode, n.NodeId, n.Status, n.Attempts)),
         .. run.Executions.Select(e => (RunStore.ProgressOfExecution, e.ExecutionId, e.Status, 0))];

    private static string Fingerprint(IEnumerable<(string Part, string Id, string Status, int Attempts)> rows)
    {
        var text = new StringBuilder();
        foreach (var r in rows.OrderBy(r => r.Part, StringComparer.Ordinal).ThenBy(r => r.Id, StringComparer.Ordinal))
            text.Append(r.Part).Append('\u001f').Append(r.Id).Append('\u001f').Append(r.Status).Append('\u001f').Append(r.Attempts).Append('\u001e');
        return text.ToString();
    }
}
