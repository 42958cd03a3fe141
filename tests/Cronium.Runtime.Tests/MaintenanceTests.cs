using Cronium.Runtime.Hosting;
using Cronium.Runtime.Storage;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Cronium.Runtime.Tests;

public sealed class MaintenanceTests
{
    /// <summary>
    /// Its loop ends on stop by the timer's disposal, not by a cancelled wait: PeriodicTimer gives a cancelled wait's
    /// exception a stack trace rendered as text, which a native runtime's stop (and every cronium run's end) paid for.
    /// </summary>
    [Fact]
    public async Task MaintenanceEndsItsLoopOnStopWithoutAnException()
    {
        using var folder = new TempFolder();
        await using var dialect = new SqliteDialect(Path.Combine(folder.Info.FullName, "runtime.db"));
        using var maintenance = new Maintenance(dialect, TimeProvider.System, Options.Create(new RuntimeOptions()), NullLogger<Maintenance>.Instance);
        using var stopping = new CancellationTokenSource();

        var loop = maintenance.RunAsync(stopping.Token);
        await stopping.CancelAsync();

        await loop; // throws OperationCanceledException when the stop cancels the wait
        Assert.True(loop.IsCompletedSuccessfully);
    }
}
