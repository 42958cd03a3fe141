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

/// <summary>What a fire does while the previous run of the same definition still goes: overlap skip, queue or allow.</summary>
public sealed class OverlapTests
{
    [Theory]
    [InlineData("skip")]
    [InlineData("queue")]
    [InlineData("allow")]
    public async Task OverlapDecidesWhatAFireDoesWhileThePreviousRunStillGoes(string overlap)
    {
        using var database = new TestDatabase();
        await using var serve = await ServeInstance.StartAsync(database.ConnectionString, concurrency: 4);
        // Runs of 2.5 s fired at four seconds in a row, a few seconds from now; nothing fires again for a minute.
        var firstFire = DateTimeOffset.UtcNow.AddSeconds(5);
        var first = firstFire.Second;
        var seconds = string.Join(',', Enumerable.Range(0, 4).Select(i => (first + i) % 60));
        await serve.PutEventAsync("slow", Scripts.BashRecorder("slow", $"{{cron: \"{seconds} * * * * *\", overlap: {overlap}}}", sleepSeconds: 2.5));
        // Queued and allowed, all four fires run: wait for them. Skipped, a fire runs at its time or never: wait past the last one.
        if (overlap == "skip") await Task.Delay(firstFire.AddSeconds(6) - DateTimeOffset.UtcNow);
        else await Eventually.UntilAsync(() => serve.RunsOfAsync("slow").Result.Count(r => (string)r["status"]! == "succeeded") == 4, "all four fires' runs to end");
        await Eventually.UntilAsync(() => serve.RunsOfAsync("slow").Result.All(r => (string)r["status"]! is not ("running" or "queued")), "the last runs to end");
        await serve.Http.DeleteAsync("/v1/events/slow");

        var outputs = new List<JsonNode>();
        foreach (var run in await serve.RunsOfAsync("slow"))
        {
            Assert.True((string)run["status"]! == "succeeded", run.ToJsonString());
            outputs.Add((await serve.OutputOfAsync((string)run["runId"]!))!);
        }
        var spans = outputs.Select(o => (Start: (double)o["start"]!, End: (double)o["end"]!)).OrderBy(s => s.Start).ToList();
        var overlapping = spans.Zip(spans.Skip(1)).Count(p => p.Second.Start < p.First.End);
        var times = outputs.Select(o => DateTimeOffset.Parse((string)o["event"]!["scheduledAt"]!, CultureInfo.InvariantCulture)).Order().ToList();
        var contiguous = times.Zip(times.Skip(1)).All(p => p.Second - p.First == TimeSpan.FromSeconds(1));
        var seen = $"{overlap}: {times.Count} runs, {overlapping} overlapping, scheduled at " + string.Join(", ", times.Select(t => t.ToString("ss", CultureInfo.InvariantCulture)));

        switch (overlap)
        {
            case "skip": // one at a time; a fire while one runs does not run (the second second's surely not)
                Assert.True(overlapping == 0 && times.Count is >= 1 and < 4 && times[0].Second == first && !times.Any(t => t.Second == (first + 1) % 60), seen);
                break;
            case "queue": // one at a time; every fire ran, each when the one before had ended
                Assert.True(overlapping == 0 && times.Count == 4 && contiguous && times[0].Second == first, seen);
                break;
            default: // every fire ran on time, alongside the previous ones
                Assert.True(overlapping >= 3 && contiguous && times.Count == 4, seen);
                break;
        }
    }
}

/// <summary>Fires missed while the service was down run once when it is back, not once each and not never.</summary>
public sealed class MisfireTests
{
    [Fact]
    public async Task FiresMissedWhileTheServiceWasStoppedRunOnceWhenItStartsAgain()
    {
        using var database = new TestDatabase();
        var settings = new Dictionary<string, string> { ["Runtime__Workers__MisfireThresholdSeconds"] = "2" };
        // Six fires, a second apart, starting 10 s from now: the service is stopped before the first and started after the last.
        var firstFire = DateTimeOffset.UtcNow.AddSeconds(10);
        var seconds = string.Join(',', Enumerable.Range(0, 6).Select(i => (firstFire.Second + i) % 60));
        await using (var before = await ServeInstance.StartAsync(database.ConnectionString, settings: settings))
        {
            await before.PutEventAsync("missed", Scripts.BashRecorder("missed", $"{{cron: \"{seconds} * * * * *\"}}"));
        }
        Assert.True(DateTimeOffset.UtcNow < firstFire.AddSeconds(-1), "the service took too long to stop; the test proves nothing");
        await Task.Delay(firstFire.AddSeconds(8) - DateTimeOffset.UtcNow);

        await using var after = await ServeInstance.StartAsync(database.ConnectionString, settings: settings);
        var back = DateTimeOffset.UtcNow;
        await Eventually.UntilAsync(() => after.RunsOfAsync("missed").Result.Any(r => (string)r["status"]! == "succeeded"), "the missed fires' run");
        await Task.Delay(TimeSpan.FromSeconds(4)); // room for a second run, if there were one
        await after.Http.DeleteAsync("/v1/events/missed");

        var runs = await after.RunsOfAsync("missed");
        Assert.Single(runs);
        var meant = DateTimeOffset.Parse((string)(await after.OutputOfAsync((string)runs[0]["runId"]!))!["event"]!["scheduledAt"]!, CultureInfo.InvariantCulture);
        // It carries the first missed fire's time, so a script can tell which fires it stands for.
        Assert.Equal(firstFire.ToUnixTimeSeconds(), meant.ToUnixTimeSeconds());
    }
}
