using Cronium.Runtime.Json;
using Cronium.Runtime.Validation;
using FluentValidation;

namespace Cronium.Runtime.ToolActions;

internal static class ToolNames
{
    public static readonly string[] All = ["email", "slack", "discord", "webhook"];
}

internal sealed record PutToolCredentialRequest(string Tool, JsonElement Secret)
{
    public static async ValueTask<PutToolCredentialRequest?> BindAsync(HttpContext http) => await JsonBody.BindAsync(http, ToolActionsJson.Strict.PutToolCredentialRequest);
}

internal sealed record ToolCredentialResponse(string Name, string Tool, DateTimeOffset UpdatedAt);

internal sealed record ToolCredentialList(IReadOnlyList<ToolCredentialResponse> Items);

internal sealed record ToolActionRequest(string Tool, string Action, JsonElement Params, string? Credential = null)
{
    public static async ValueTask<ToolActionRequest?> BindAsync(HttpContext http) => await JsonBody.BindAsync(http, ToolActionsJson.Strict.ToolActionRequest);

    /// <summary>Cronium's helpers name every tool's one action <c>send_message</c>: it is <c>send</c>, so their scripts run unchanged.</summary>
    public static string SameAction(string action) => action == "send_message" ? "send" : action;
}

internal sealed record ToolActionResult(bool Success, RawJson Data, string? Error);

internal sealed class PutToolCredentialValidator : AbstractValidator<PutToolCredentialRequest>
{
    public PutToolCredentialValidator()
    {
        RuleFor(x => x.Tool).Must(t => ToolNames.All.Contains(t)).WithMessage($"'tool' must be one of {string.Join(", ", ToolNames.All)}.");
        RuleFor(x => x.Secret.ValueKind).Equal(JsonValueKind.Object).OverridePropertyName("secret").WithMessage("'secret' must be a JSON object.");
    }
}

internal sealed class ToolActionValidator : AbstractValidator<ToolActionRequest>
{
    public ToolActionValidator()
    {
        RuleFor(x => x.Tool).Must(t => ToolNames.All.Contains(t)).WithMessage($"'tool' must be one of {string.Join(", ", ToolNames.All)}.");
        RuleFor(x => x.Action).NotEmpty().MaximumLength(64);
        RuleFor(x => x.Params.ValueKind).Equal(JsonValueKind.Object).OverridePropertyName("params").WithMessage("'params' must be a JSON object.");
        RuleFor(x => x.Credential).Must(c => c is null || ValidationSetup.KeyPattern().IsMatch(c)).WithMessage($"'credential' {ValidationSetup.KeyRule}.");
    }
}
