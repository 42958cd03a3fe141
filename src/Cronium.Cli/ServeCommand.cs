using System.CommandLine;

namespace Cronium.Cli;

/// <summary><c>cronium serve</c>: the runtime API with definitions, schedules, workers and the runs API, configured as README.md describes (arguments pass through).</summary>
internal static class ServeCommand
{
    public static Command Create()
    {
        var command = new Command("serve", "Run the service: the runtime API, definitions, schedules and workers (further arguments are settings, e.g. --urls http://127.0.0.1:8081 --Runtime:DefinitionsPath ./defs).")
        {
            TreatUnmatchedTokensAsErrors = false,
        };
        command.SetAction(async (parse, _) =>
        {
            // The host handles Ctrl-C and SIGTERM itself, stopping gracefully.
            await using var app = Cronium.Service.ServiceApp.Create([.. parse.UnmatchedTokens]);
            await app.RunAsync();
            return 0;
        });
        return command;
    }
}
