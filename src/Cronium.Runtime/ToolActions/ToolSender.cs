namespace Cronium.Runtime.ToolActions;

/// <summary>Sends one tool's actions with a decrypted credential. The secret never leaves the runtime.</summary>
internal interface IToolSender
{
    string Tool { get; }

    Task<ToolActionResult> SendAsync(string action, JsonElement credential, JsonElement parameters, CancellationToken cancellationToken);
}
