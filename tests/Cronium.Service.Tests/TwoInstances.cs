using System.Globalization;

namespace Cronium.Service.Tests;

/// <summary>Two instances on one PostgreSQL database and a scratch folder: what the recovery tests start from.</summary>
public abstract class TwoInstances : IAsyncLifetime
{
    private readonly TestDatabase database = new();
    private ServeInstance? one, two;

    protected TempFolder Folder { get; } = new();
    protected ServeInstance One => one!;

    public async Task InitializeAsync()
    {
        one = await ServeInstance.StartAsync(database.ConnectionString);
        two = await ServeInstance.StartAsync(database.ConnectionString);
    }

    public async Task DisposeAsync()
    {
        if (one is not null) await one.DisposeAsync();
        if (two is not null) await two.DisposeAsync();
        database.Dispose();
        Folder.Dispose();
    }

    /// <summary>
    /// Starts a run of <paramref name="name"/>, whose script writes "PID API" to <paramref name="started"/> and
    /// hangs, then kills (SIGKILL: no goodbye, its Quartz check-ins just stop) the instance running it.
    /// </summary>
    protected async Task<(string RunId, int Pid, ServeInstance Alive)> KillTheInstanceRunningItAsync(string name, object? input, string started)
    {
        var runId = await one!.StartRunAsync(name, input);
        await Eventually.UntilAsync(() => File.Exists(started), "the script to start");
        var parts = File.ReadAllText(started).Trim().Split(' ');
        var (pid, api) = (int.Parse(parts[0], CultureInfo.InvariantCulture), parts[1]);
        var (dead, alive) = api == one.Api ? (one, two!) : (two!, one);
        dead.Kill();
        return (runId, pid, alive);
    }
}
