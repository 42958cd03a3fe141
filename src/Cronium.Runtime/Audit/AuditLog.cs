using System.Threading.Channels;
using Cronium.Runtime.Storage;

namespace Cronium.Runtime.Audit;

/// <summary>Marks the routes whose every call is audited (the script-facing ones).</summary>
internal sealed class AuditedOperation
{
    public static readonly AuditedOperation Instance = new();
}

/// <summary>
/// The audit trail: one row per script-facing call, including refused ones (who tried a finished token).
/// Rows are written in batches off the request path; when storage is slow, callers wait for room rather
/// than the trail dropping rows.
/// </summary>
internal sealed class AuditLog
{
    private readonly Channel<AuditEntry> channel = Channel.CreateBounded<AuditEntry>(new BoundedChannelOptions(50_000)
    {
        FullMode = BoundedChannelFullMode.Wait,
        SingleReader = true,
    });

    public ChannelReader<AuditEntry> Reader => channel.Reader;

    public ValueTask RecordAsync(AuditEntry entry) => channel.Writer.WriteAsync(entry);

    public void Complete() => channel.Writer.TryComplete();
}

internal sealed class AuditWriter(AuditLog log, IServiceScopeFactory scopes, SqlDialect dialect, ILogger<AuditWriter> logger) : BackgroundService
{
    private const int BatchSize = 1000;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var batch = new List<AuditEntry>(BatchSize);
        // Shutdown completes the channel; the loop drains what is left before it ends.
        while (await log.Reader.WaitToReadAsync(CancellationToken.None))
        {
            while (batch.Count < BatchSize && log.Reader.TryRead(out var entry)) batch.Add(entry);
            await WriteWithRetryAsync(batch, stoppingToken);
            batch.Clear();
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        log.Complete();
        await base.StopAsync(cancellationToken);
    }

    private async Task WriteWithRetryAsync(List<AuditEntry> batch, CancellationToken stoppingToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await using var scope = scopes.CreateAsyncScope();
                var db = scope.ServiceProvider.GetRequiredService<DbScope>();
                await db.TransactionAsync(async (c, tx) => { await dialect.InsertAuditAsync(c, tx, batch, CancellationToken.None); return 0; }, CancellationToken.None);
                return;
            }
            catch (Exception e) when (attempt < 60 && StorageErrors.IsUnavailable(e))
            {
                logger.LogWarning("Audit write failed (attempt {Attempt}), retrying: {Error}", attempt, e.Message);
                await Task.Delay(TimeSpan.FromMilliseconds(Math.Min(5000, 100 * attempt)), CancellationToken.None);
            }
        }
    }
}
