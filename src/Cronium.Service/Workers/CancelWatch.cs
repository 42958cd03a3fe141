namespace Cronium.Service.Workers;

/// <summary>
/// Watches a running run for a cancel request (cancelRun, on any instance: it is a mark in the database) and
/// cancels the work when it sees one; the engine then stops its processes and containers and ends it cancelled.
/// </summary>
internal sealed class CancelWatch : IDisposable
{
    private readonly CancellationTokenSource stop = new();
    private readonly Task loop;

    private CancelWatch(RuntimeClient client, string runId, TimeSpan every, CancellationTokenSource work)
    {
        loop = Task.Run(async () =>
        {
            using var timer = new PeriodicTimer(every);
            try
            {
                while (await timer.WaitForNextTickAsync(stop.Token))
                {
                    try
                    {
                        var run = await client.GetRunAsync(runId, stop.Token);
                        if ((bool?)run["cancelRequested"] == true)
                        {
                            await work.CancelAsync();
                            return;
                        }
                    }
                    catch (Exception e) when (e is RuntimeApiException or HttpRequestException or IOException)
                    {
                        // The runtime is this process: a failed look is tried again on the next tick.
                    }
                }
            }
            catch (OperationCanceledException)
            {
            }
        });
    }

    public static CancelWatch Start(RuntimeClient client, string runId, TimeSpan every, CancellationTokenSource work) => new(client, runId, every, work);

    public void Dispose()
    {
        stop.Cancel();
        try
        {
            loop.Wait(TimeSpan.FromSeconds(5));
        }
        catch (AggregateException)
        {
        }
        stop.Dispose();
    }
}
