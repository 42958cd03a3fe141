namespace Cronium.Runtime.Variables;

/// <summary>
/// One write at a time per variable in this instance, the others waiting their turn in arrival order. Writers of one
/// row otherwise all go to the database at once: each holds a pooled connection while it waits on the row's lock, the
/// pool runs dry for everybody else, and PostgreSQL's upsert, which starts over when the row it waited for changed,
/// lets late arrivals overtake early ones, so a few writes wait very long (setVariable's p99 was ten times its median).
/// Across instances the row lock still orders writes; this only keeps the queue in the process, where it is fair.
/// </summary>
internal sealed class KeyTurns
{
    private readonly Dictionary<string, Turn> turns = new(StringComparer.Ordinal);

    public async Task<T> RunAsync<T>(string key, Func<Task<T>> work, CancellationToken cancellationToken)
    {
        Turn turn;
        lock (turns)
        {
            if (!turns.TryGetValue(key, out turn!)) turns[key] = turn = new Turn();
            turn.Users++;
        }
        try
        {
            // SemaphoreSlim hands a released slot to its oldest async waiter: first come, first served.
            await turn.Gate.WaitAsync(cancellationToken);
            try
            {
                return await work();
            }
            finally
            {
                turn.Gate.Release();
            }
        }
        finally
        {
            lock (turns)
            {
                if (--turn.Users == 0) turns.Remove(key);
            }
        }
    }

    private sealed class Turn
    {
        public SemaphoreSlim Gate { get; } = new(1, 1);

        public int Users { get; set; }
    }
}
