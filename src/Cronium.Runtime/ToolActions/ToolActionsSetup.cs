using Cronium.Runtime.Json;

namespace Cronium.Runtime.ToolActions;

internal static class ToolActionsSetup
{
    public const string HttpClientName = "tool-actions";

    public static WebApplicationBuilder AddToolActions(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<ToolActionsOptions>().BindConfiguration(ToolActionsOptions.Section).ValidateOnStart();
        builder.Services.AddSingleton<IValidateOptions<ToolActionsOptions>, ToolActionsOptionsValidator>();
        builder.Services.AddSingleton<OutboundPolicy>();
        builder.Services.AddSingleton<ToolActionSlots>();
        builder.Services.AddSingleton<CredentialCipher>();
        // No request logging: HttpClient's loggers write the URL, and a webhook URL is a secret. Every connection
        // goes through the outbound policy, to the address it checked.
        builder.Services.AddHttpClient(HttpClientName, (services, c) =>
                c.Timeout = TimeSpan.FromSeconds(services.GetRequiredService<IOptions<ToolActionsOptions>>().Value.TimeoutSeconds))
            .ConfigurePrimaryHttpMessageHandler(services => new SocketsHttpHandler
            {
                AllowAutoRedirect = false,
                UseCookies = false,
                UseProxy = false,
                ConnectCallback = async (context, cancellationToken) =>
                    new System.Net.Sockets.NetworkStream(
                        await services.GetRequiredService<OutboundPolicy>().ConnectAsync(context.DnsEndPoint.Host, context.DnsEndPoint.Port, cancellationToken),
                        ownsSocket: true),
            })
            .RemoveAllLoggers();
        builder.Services.AddSingleton<IToolSender, SlackSender>();
        builder.Services.AddSingleton<IToolSender, DiscordSender>();
        builder.Services.AddSingleton<IToolSender, GenericWebhookSender>();
        builder.Services.AddSingleton<IToolSender, EmailSender>();
        return builder.AddJsonContracts(ToolActionsJson.Default);
    }
}
