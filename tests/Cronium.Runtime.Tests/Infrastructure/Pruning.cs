using Cronium.Runtime.Hosting;
using Cronium.Runtime.Storage;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Cronium.Runtime.Tests.Infrastructure;

/// <summary>Maintenance's pruning pass as it will run some time from now, against a runtime's storage.</summary>
internal static class Pruning
{
    public static Task PruneAsOfAsync(this RuntimeFactory factory, TimeSpan later) =>
        PruneAsOfAsync(factory.Service<SqlDialect>(), later, factory.Service<IOptions<RuntimeOptions>>());

    public static Task PruneAsOfAsync(SqlDialect dialect, TimeSpan later, IOptions<RuntimeOptions>? options = null) =>
        new Maintenance(dialect, new ShiftedTime(later), options ?? Options.Create(new RuntimeOptions()), NullLogger<Maintenance>.Instance)
            .PruneAsync(default);

    private sealed class ShiftedTime(TimeSpan by) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => System.GetUtcNow() + by;
    }
}
