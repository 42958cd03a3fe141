using System.Globalization;

namespace Cronium.Service.Tests;

/// <summary>Schedules on Quartz's clustered job store: every scheduled time runs once, whichever instance takes it.</summary>
public sealed class ScheduleTests
{
    /// <remarks>
    /// Each run takes 1.5 s and more and each instance runs 2 at once, so one instance alone cannot keep up with a fire a
    /// second: the other must take its share (an idle cluster lets whichever instance holds the trigger keep it).
    /// </remarks>
    [Fact]
    public async Task AScheduleFiringEverySecondOnTwoInstancesRunsEveryTimeExactlyOnceAndBothTakeAShare()
    {
        using var database = new TestDatabase();
        await using var one = await ServeInstance.StartAsync(database.ConnectionString);
        await using var two = await ServeInstance.StartAsync(database.ConnectionString);

        await one.PutEventAsync("tick", Scripts.Recorder("tick", "{cron: \"* * * * * *\", overlap: allow}", sleepSeconds: 1.5));
        await Task.Delay(TimeSpan.FromSeconds(20));
        Assert.Equal(System.Net.HttpStatusCode.NoContent, (await two.Http.DeleteAsync("/v1/events/tick")).StatusCode);
        await Eventually.UntilAsync(() => one.RunsOfAsync("tick").Result.All(r => (string)r["status"]! is not ("running" or "queued")), "the last runs to end");

        var runs = await one.RunsOfAsync("tick");
        var outputs = new List<JsonNode>();
        foreach (var run in runs)
        {
            Assert.True((string)run["status"]! == "succeeded", $"{run.ToJsonString()}\n{one.Log}\n{two.Log}");
            outputs.Add((await one.OutputOfAsync((string)run["runId"]!))!);
        }
        var times = outputs.Select(o => DateTimeOffset.Parse((string)o["scheduledAt"]!, CultureInfo.InvariantCulture)).Order().ToList();
        var seen = string.Join(", ", times.Select(t => t.ToString("HH:mm:ss", CultureInfo.InvariantCulture)));
        Assert.True(times.Count >= 10, $"only {times.Count} runs in 20 s: {seen}");
        Assert.Equal(times.Distinct().Count(), times.Count); // none twice
        for (var i = 1; i < times.Count; i++) Assert.True(times[i] - times[i - 1] == TimeSpan.FromSeconds(1), "a time is missing: " + seen);
        var byInstance = outputs.GroupBy(o => (string)o["api"]!).ToDictionary(g => g.Key, g => g.Count());
        Assert.True(byInstance.Count == 2, "one instance ran them all: " + string.Join(", ", byInstance.Select(b => $"{b.Key}: {b.Value}")));
        Assert.Equal(new[] { one.Api, two.Api }.Order(), byInstance.Keys.Order());
    }
}
