namespace Cronium.Runtime.Hosting;

/// <summary>
/// Stops the runtime when its standard input ends (<see cref="RuntimeOptions.StopWhenInputCloses"/>). The parent holds
/// the other end of the pipe: it closes it to stop the runtime, and the kernel closes it when the parent dies, however
/// it dies. A stop this way is the ordinary graceful one (the audit's last batch is written).
/// </summary>
internal sealed class StopWhenInputCloses(IHostApplicationLifetime lifetime, ILogger<StopWhenInputCloses> logger) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        // Watched once the runtime has started: a stop asked for while Kestrel binds cancels the bind, and the host then
        // fails with an unhandled exception instead of stopping. An input closed that early is seen at once after.
        // A thread of its own that blocks in read(2): a read of standard input does not observe cancellation, and as a
        // background thread it never holds up a stop that came another way (SIGTERM).
        lifetime.ApplicationStarted.Register(() => new Thread(Watch) { IsBackground = true, Name = "stop-when-input-closes" }.Start());
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    private void Watch()
    {
        try
        {
            using var input = Console.OpenStandardInput();
            var buffer = new byte[256];
            while (input.Read(buffer, 0, buffer.Length) > 0)
            {
                // Anything written is ignored: only the end means something.
            }
        }
        catch (IOException e)
        {
            logger.LogWarning("Standard input failed ({Error}); stopping as if it had closed", e.Message);
        }
        lifetime.StopApplication();
    }
}
