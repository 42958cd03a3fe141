using Cronium.Service.Definitions;

namespace Cronium.Cli;

/// <summary>
/// <c>cronium apply DIR --runtime URL</c>: makes a server's definitions what a folder holds. Every definition is
/// checked here first (the same checks the server makes), so nothing is uploaded while any file has a problem;
/// then each is put (added, changed or unchanged), and those the server has that the folder does not are removed.
/// </summary>
internal static class ApplyCommand
{
    private static readonly Argument<string> FolderArgument = new("folder") { Description = "A folder of event and workflow files (*.yaml at its top) and the files they name." };
    private static readonly Option<string?> RuntimeOption = CommonOptions.Runtime();
    private static readonly Option<string?> KeyOption = CommonOptions.Key();
    private static readonly Option<bool> KeepOption = new("--keep") { Description = "Do not remove the server's definitions that the folder does not hold." };

    public static Command Create()
    {
        var command = new Command("apply", "Upload a folder of definitions to cronium serve: print what was added, changed, unchanged and removed.")
        {
            FolderArgument, RuntimeOption, KeyOption, KeepOption,
        };
        command.SetAction((parse, _) => ApplyAsync(parse));
        return command;
    }

    private static async Task<int> ApplyAsync(ParseResult parse)
    {
        var err = Terminal.Error();
        var folder = parse.GetValue(FolderArgument)!;
        RuntimeTarget target;
        List<Definition> definitions = [];
        try
        {
            target = CommonOptions.Target(parse.GetValue(RuntimeOption), parse.GetValue(KeyOption));
            if (target.Url is null) throw new UsageException("apply needs --runtime: the cronium serve to upload to");
            if (!Directory.Exists(folder)) throw new UsageException($"'{folder}' is not a folder");
            var problems = new List<string>();
            foreach (var entry in DefinitionFolder.Read(folder))
            {
                try
                {
                    definitions.Add(Definition.Check(entry.Kind, null, entry.FileName, entry.Yaml, entry.Files));
                }
                catch (DefinitionException e)
                {
                    problems.AddRange(e.Problems.Select(p => $"{entry.FileName}: {p}"));
                }
            }
            if (problems.Count > 0) throw new UsageException("nothing uploaded:\n" + string.Join('\n', problems));
        }
        catch (UsageException e)
        {
            Terminal.Usage(err, false, "apply", e.Message);
            return ExitCodes.Usage;
        }

        return await Cancellable.RunAsync(message => Terminal.Failed(err, false, "apply", message), async cancel =>
        {
            await using var session = await RuntimeSession.OpenAsync(target, cancel);
            var client = session.Client;
            foreach (var d in definitions)
            {
                var saved = await client.PutDefinitionAsync(Route(d.Kind), d.Name, d.Yaml, d.Files, cancel);
                Console.WriteLine($"{(string)saved["change"]!,-9} {d.Kind} {d.Name}");
            }
            if (parse.GetValue(KeepOption)) return 0;
            foreach (var kind in new[] { DefinitionKinds.Event, DefinitionKinds.Workflow })
                foreach (var item in await client.ListDefinitionsAsync(Route(kind), cancel))
                {
                    var name = (string)item!["name"]!;
                    if (definitions.Any(d => d.Kind == kind && d.Name == name)) continue;
                    await client.DeleteDefinitionAsync(Route(kind), name, cancel);
                    Console.WriteLine($"{"removed",-9} {kind} {name}");
                }
            return 0;
        });
    }

    private static string Route(string kind) => kind == DefinitionKinds.Workflow ? "workflows" : "events";
}
