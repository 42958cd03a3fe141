using System.Threading.Channels;
using Cronium.Runtime.Audit;
using Cronium.Runtime.Storage;
using Cronium.Runtime.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;

namespace Cronium.Runtime.Tests;

/// <summary>
/// The audit writer waits a moment for the calls behind a batch's first row, so a busy runtime commits once for many
/// calls; a backlog never waits. Each PostgreSQL transaction stamps its rows (audit_batches) with one xmin, which tells the batches apart.
/// </summary>
public sealed class AuditBatchingTests : IAsyncDisposable
{
    private readonly PostgresDialect dialect;
    private readonly ServiceProvider services;
    private readonly AuditLog log = new();
    private readonly ManualDelays delays = new();
    private readonly AuditWriter writer;
    private readonly string execution = Guid.NewGuid().ToString();

    public AuditBatchingTests()
    {
        dialect = new PostgresDialect(TestServices.NewPostgresDatabase());
        dialect.Migrate(NullLogger.Instance);
        services = new ServiceCollection().AddSingleton<SqlDialect>(dialect).AddSingleton<WriteTurns>().AddScoped<DbScope>().BuildServiceProvider();
        writer = new AuditWriter(log, services.GetRequiredService<IServiceScopeFactory>(), dialect, delays, NullLogger<AuditWriter>.Instance);
    }

    [Fact]
    public async Task CallsArrivingWhileABatchGathersAreWrittenInOneTransaction()
    {
        await writer.StartAsync(default);
        await Record(1);
        var gathering = await delays.NextAsync(); // the writer holds the first row and waits for more
        await Record(9);
        gathering.Elapse();

        await Eventually.UntilAsync(async () => (await Stored()).Rows == 10, "the ten audit rows");
        Assert.Equal((10, 1), await Stored());
    }

    [Fact]
    public async Task ABacklogIsWrittenAtOnceInFullBatchesAndOnlyItsRemainderWaits()
    {
        await Record(2 * AuditWriter.BatchSize + 500);
        await writer.StartAsync(default);

        var gathering = await delays.NextAsync();
        Assert.Equal((2 * AuditWriter.BatchSize, 2), await Stored());
        gathering.Elapse();

        await Eventually.UntilAsync(async () => (await Stored()).Rows == 2 * AuditWriter.BatchSize + 500, "the backlog's remainder");
        Assert.Equal((2 * AuditWriter.BatchSize + 500, 3), await Stored());
    }

    [Fact]
    public async Task ShutdownWritesWhatIsGatheringWithoutWaitingOutTheDelay()
    {
        await writer.StartAsync(default);
        await Record(3);
        await delays.NextAsync();

        await writer.StopAsync(default); // the delay never elapses: stopping must not wait for it

        Assert.Equal((3, 1), await Stored());
    }

    private async Task Record(int count)
    {
        for (var i = 0; i < count; i++)
            await log.RecordAsync(new AuditEntry(execution, "u", "getVariable", "k", 200, null, i));
    }

    private async Task<(long Rows, long Transactions)> Stored()
    {
        await using var connection = await dialect.DataSource.OpenConnectionAsync();
        return await Dapper.SqlMapper.QuerySingleAsync<(long, long)>(connection,
            "SELECT (SELECT count(*) FROM audit_log WHERE execution_id = @Id), (SELECT count(DISTINCT xmin::text) FROM audit_batches WHERE execution_id = @Id)",
            new { Id = execution });
    }

    public async ValueTask DisposeAsync()
    {
        await writer.StopAsync(default);
        writer.Dispose();
        await services.DisposeAsync();
        dialect.Dispose();
    }

    /// <summary>Delays that end only when the test says so; the writer's one use of time.</summary>
    private sealed class ManualDelays : TimeProvider
    {
        private readonly Channel<Delay> started = Channel.CreateUnbounded<Delay>();

        public async Task<Delay> NextAsync()
        {
            using var limit = new CancellationTokenSource(Eventually.Limit);
            return await started.Reader.ReadAsync(limit.Token);
        }

        public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
        {
            var delay = new Delay(callback, state);
            started.Writer.TryWrite(delay);
            return delay;
        }
    }

    private sealed class Delay(TimerCallback callback, object? state) : ITimer
    {
        public void Elapse() => callback(state);

        public bool Change(TimeSpan dueTime, TimeSpan period) => true;

        public void Dispose()
        {
        }

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
