namespace Cronium.Testing;

/// <summary>
/// Waits for something a test caused to become visible (a process started, a file appeared), and fails the test
/// saying what never happened. The limit is generous, for a loaded machine: it bounds a broken test, it does not
/// time a working one (a test that proceeded after a short wait anyway was flaky under load).
/// </summary>
public static class Eventually
{
    public static readonly TimeSpan Limit = TimeSpan.FromMinutes(2);

    public static async Task UntilAsync(Func<bool> condition, string what, TimeSpan? limit = null)
    {
        var deadline = DateTime.UtcNow + (limit ?? Limit);
        while (!condition())
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"gave up waiting for {what}");
            await Task.Delay(50);
        }
    }

    /// <summary>The same, for a condition that must ask (a database, a socket).</summary>
    public static async Task UntilAsync(Func<Task<bool>> condition, string what, TimeSpan? limit = null)
    {
        var deadline = DateTime.UtcNow + (limit ?? Limit);
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"gave up waiting for {what}");
            await Task.Delay(50);
        }
    }
}
