using System.CommandLine;
using Cronium.Execution;

namespace Cronium.Cli;

internal static class CliProgram
{
    public static async Task<int> Main(string[] args)
    {
        PhaseTimings.Mark("main");
        var root = new RootCommand("cronium: run events and workflows locally or in hardened containers, with the runtime API embedded or remote.")
        {
            ServeCommand.Create(),
            RunCommand.Create(),
            WorkflowCommand.Create(),
            RunsCommand.Create(),
            RunsCommand.CreateLogs(),
            CredentialsCommand.Create(),
            ApplyCommand.Create(),
        };
        // Ctrl-C is ours to handle: a run must complete its execution and remove its container before it exits.
        // No response files: @FILE is ours (--input @in.json, --secret @s.json, --orchestrator-key @key), read whole.
        return await root.Parse(args, new ParserConfiguration { ResponseFileTokenReplacer = null })
            .InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = null });
    }
}
