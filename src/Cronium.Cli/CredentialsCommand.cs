namespace Cronium.Cli;

/// <summary>
/// <c>cronium credentials set|list|delete</c>: the tool credentials tool actions name (write-only: a secret goes in,
/// only its name and tool come back). With the embedded default they are encrypted in its SQLite file with the key
/// kept beside it; with --runtime, in that runtime's store.
/// </summary>
internal static class CredentialsCommand
{
    private static readonly Argument<string> NameArgument = new("name") { Description = "The credential's name (what actions and nodes name in 'credential:')." };
    private static readonly Option<string> ToolOption = new("--tool") { Description = "slack, discord, webhook or email.", Required = true };
    private static readonly Option<string> SecretOption = new("--secret")
    {
        Description = "The secret as JSON, @file.json, or - to read it from stdin (keeps it out of ps and shell history). "
                      + "slack, discord, webhook: {\"url\": ...}; email: {\"host\", \"port\", \"username\", \"password\", \"from\", \"useTls\"}.",
        Required = true,
    };
    private static readonly Option<string?> RuntimeOption = CommonOptions.Runtime();
    private static readonly Option<string?> KeyOption = CommonOptions.Key();
    private static readonly Option<string> UserOption = CommonOptions.User();

    public static Command Create()
    {
        var set = new Command("set", "Store (or replace) a tool credential.") { NameArgument, ToolOption, SecretOption, UserOption, RuntimeOption, KeyOption };
        set.SetAction((parse, _) => WithRuntime(parse, "credentials set", async (client, cancel) =>
        {
            var text = parse.GetValue(SecretOption)!;
            text = text == "-" ? await Console.In.ReadToEndAsync(cancel) : text.StartsWith('@') ? RunRequest.ReadInputFile(text[1..]) : text;
            if (RunRequest.ParseJson(text, "--secret") is not JsonObject secret) throw new UsageException("--secret must be a JSON object");
            await client.PutCredentialAsync(parse.GetValue(UserOption)!, parse.GetValue(NameArgument)!, parse.GetValue(ToolOption)!, secret, cancel);
            Terminal.Error().MarkupLine($"[green]✔ credential '{Markup.Escape(parse.GetValue(NameArgument)!)}' stored for {Markup.Escape(parse.GetValue(ToolOption)!)}[/]");
            return 0;
        }));

        var list = new Command("list", "The stored credentials' names and tools (never their secrets).") { UserOption, RuntimeOption, KeyOption };
        list.SetAction((parse, _) => WithRuntime(parse, "credentials list", async (client, cancel) =>
        {
            var table = new Table().Border(TableBorder.Rounded).AddColumns("name", "tool", "updated");
            foreach (var c in await client.ListCredentialsAsync(parse.GetValue(UserOption)!, cancel))
                table.AddRow(Markup.Escape((string)c!["name"]!), (string)c["tool"]!, (string)c["updatedAt"]!);
            Terminal.Error().Write(table);
            return 0;
        }));

        var delete = new Command("delete", "Remove a stored credential.") { NameArgument, UserOption, RuntimeOption, KeyOption };
        delete.SetAction((parse, _) => WithRuntime(parse, "credentials delete", async (client, cancel) =>
        {
            await client.DeleteCredentialAsync(parse.GetValue(UserOption)!, parse.GetValue(NameArgument)!, cancel);
            Terminal.Error().MarkupLine($"[green]✔ credential '{Markup.Escape(parse.GetValue(NameArgument)!)}' deleted[/]");
            return 0;
        }));

        return new Command("credentials", "Tool credentials (Slack, Discord, webhook URLs, SMTP servers) for tool actions.") { set, list, delete };
    }

    private static async Task<int> WithRuntime(ParseResult parse, string command, Func<RuntimeClient, CancellationToken, Task<int>> work)
    {
        var err = Terminal.Error();
        try
        {
            var target = CommonOptions.Target(parse.GetValue(RuntimeOption), parse.GetValue(KeyOption));
            return await Cancellable.RunAsync(message => Terminal.Failed(err, false, command, message), async cancel =>
            {
                await using var session = await RuntimeSession.OpenAsync(target, cancel);
                try
                {
                    return await work(session.Client, cancel);
                }
                catch (RuntimeApiException e) when (e.Status is >= 400 and < 500)
                {
                    Terminal.Usage(err, false, command, e.Message);
                    return ExitCodes.Usage;
                }
                catch (UsageException e)
                {
                    Terminal.Usage(err, false, command, e.Message);
                    return ExitCodes.Usage;
                }
            });
        }
        catch (UsageException e)
        {
            Terminal.Usage(err, false, command, e.Message);
            return ExitCodes.Usage;
        }
    }
}
