using Cronium.Runtime.Json;
using Cronium.Runtime.Storage;
using Cronium.Runtime.Validation;
using FluentValidation;
using Microsoft.AspNetCore.Mvc;

namespace Cronium.Runtime.Variables;

internal sealed record SetVariableRequest(JsonElement Value, long? IfVersion = null)
{
    public static async ValueTask<SetVariableRequest?> BindAsync(HttpContext http) => await JsonBody.BindAsync(http, VariablesJson.Strict.SetVariableRequest);
}

internal sealed record VariableResponse(string Key, RawJson Value, long Version, DateTimeOffset UpdatedAt)
{
    public static VariableResponse From(VariableValue v) => new(v.Key, v.Value, v.Version, Time.FromMs(v.UpdatedAt));
}

internal sealed record VariableVersionResponse(string Key, long Version, DateTimeOffset UpdatedAt);

internal sealed record VariableListResponse(IReadOnlyList<VariableVersionResponse> Items, string? NextAfter);

/// <summary>A class rather than a positional record: the request delegate generator cannot describe nullable constructor parameters.</summary>
internal sealed class ListVariablesQuery
{
    [FromQuery(Name = "prefix")]
    public string? Prefix { get; set; }

    [FromQuery(Name = "after")]
    public string? After { get; set; }

    [FromQuery(Name = "limit")]
    public int? Limit { get; set; }
}

internal sealed class SetVariableValidator : AbstractValidator<SetVariableRequest>
{
    public SetVariableValidator() =>
        RuleFor(x => x.IfVersion).GreaterThanOrEqualTo(0).WithMessage("'ifVersion' must be 0 (only if absent) or a version.");
}

internal sealed class ListVariablesQueryValidator : AbstractValidator<ListVariablesQuery>
{
    public ListVariablesQueryValidator()
    {
        RuleFor(x => x.Prefix).Matches(ValidationSetup.PrefixPattern())
            .WithMessage("'prefix' is at most 128 of letters, digits, '_', '.', ':', '-'.");
        RuleFor(x => x.After).Must(a => a is null || ValidationSetup.KeyPattern().IsMatch(a))
            .WithMessage("'after' must be a variable key (the previous page's nextAfter).");
        RuleFor(x => x.Limit).InclusiveBetween(1, 1000);
    }
}
