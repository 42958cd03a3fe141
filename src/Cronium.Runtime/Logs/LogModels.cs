using Cronium.Runtime.Json;
using FluentValidation;
using Microsoft.AspNetCore.Mvc;

namespace Cronium.Runtime.Logs;

internal static class LogStreams
{
    /// <summary>What an orchestrator may send; the runtime adds <c>system</c> lines of its own (the cap notice).</summary>
    public static readonly string[] Writable = ["stdout", "stderr"];
}

internal sealed record LogEntryRequest(long Seq, DateTimeOffset At, string Stream, string Text);

internal sealed record AppendLogsRequest(List<LogEntryRequest> Entries)
{
    public static async ValueTask<AppendLogsRequest?> BindAsync(HttpContext http) => await JsonBody.BindAsync(http, LogsJson.Strict.AppendLogsRequest);
}

internal sealed record AppendLogsResponse(long LastSeq, long StoredBytes, bool Truncated);

internal sealed record LogEntryResponse(long Seq, DateTimeOffset At, string Stream, string Text);

internal sealed record LogPageResponse(string ExecutionId, string Status, IReadOnlyList<LogEntryResponse> Items, long NextAfter, bool Complete, bool Truncated);

/// <summary>A class rather than a positional record: the request delegate generator cannot describe nullable constructor parameters.</summary>
internal sealed class GetLogsQuery
{
    [FromQuery(Name = "after")]
    public long? After { get; set; }

    [FromQuery(Name = "limit")]
    public int? Limit { get; set; }
}

internal sealed class AppendLogsValidator : AbstractValidator<AppendLogsRequest>
{
    public AppendLogsValidator()
    {
        RuleFor(x => x.Entries).NotNull().Must(e => e.Count is >= 1 and <= 1000).WithMessage("'entries' holds 1 to 1000 entries.");
        RuleFor(x => x.Entries).Must(e => e is null || e.Zip(e.Skip(1)).All(p => p.First.Seq < p.Second.Seq))
            .WithMessage("'entries' must be in increasing 'seq' order.");
        RuleForEach(x => x.Entries).ChildRules(e =>
        {
            e.RuleFor(x => x.Seq).GreaterThan(0).WithMessage("'seq' starts at 1.");
            e.RuleFor(x => x.Stream).Must(s => LogStreams.Writable.Contains(s)).WithMessage("'stream' must be stdout or stderr.");
            e.RuleFor(x => x.Text).NotNull().MaximumLength(64 * 1024).WithMessage("'text' is at most 65536 characters per entry.");
        });
    }
}

internal sealed class GetLogsQueryValidator : AbstractValidator<GetLogsQuery>
{
    public GetLogsQueryValidator()
    {
        RuleFor(x => x.After).GreaterThanOrEqualTo(0);
        RuleFor(x => x.Limit).InclusiveBetween(1, 5000);
    }
}
