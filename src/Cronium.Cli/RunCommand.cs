using System.CommandLine;
using System.Runtime.InteropServices;
using Cronium.Execution;
using Cronium.Execution.Events;
using Cronium.Execution.Runtime;
using Cronium.Workflows.Chains;
using Cronium.Workflows.Steps;

namespace Cronium.Cli;

/// <summary><c>cronium run FILE|EVENT.yaml</c>: one event and its conditional actions, start to end, with the output live.</summary>
internal static class RunCommand
{
    internal static readonly Argument<string> FileArgument = new("file") { Description = "A script (.sh, .py, .js) or an event file (.yaml)." };
    internal static readonly Option<string?> LangOption = new("--lang") { Description = "bash, python or node (default: from the file's extension)." };
    internal static readonly Option<string?> InputOption = new("--input") { Description = "The execution's input: JSON, or @file.json." };
    internal static readonly Option<string[]> VarsOption = new("--var") { Description = "Seed a variable before the run: key=value (a string). Repeatable.", AllowMultipleArgumentsPerToken = false };
    internal static readonly Option<string[]> JsonVarsOption = new("--var-json") { Description = "Seed a variable with a JSON value: key=JSON. Repeatable." };
    internal static readonly Option<string?> TimeoutOption = new("--timeout") { Description = "Kill the script after this long: 30, 30s, 5m, 1h (default: the event's, else 5m)." };
    internal static readonly Option<string[]> EnvOption = new("--env") { Description = "Extra environment for the script: NAME=value. Repeatable." };
    internal static readonly Option<string> BackendOption = CommonOptions.Backend();
    internal static readonly Option<string?> RuntimeOption = CommonOptions.Runtime();
    internal static readonly Option<string?> KeyOption = CommonOptions.Key();
    internal static readonly Option<string> UserOption = CommonOptions.User();
    internal static readonly Option<bool> JsonOption = new("--json") { Description = "Print the result as JSON on stdout; the script's output goes to stderr." };
    internal static readonly Option<int> MaxDepthOption = new("--max-chain-depth") { Description = "How deep conditional actions may chain events (default 10).", DefaultValueFactory = _ => EventChain.DefaultMaxDepth };

    public static Command Create()
    {
        var command = new Command("run", "Run one event and its conditional actions; print the status, exit code, duration, output and condition.")
        {
            FileArgument, LangOption, InputOption, VarsOption, JsonVarsOption, TimeoutOption, EnvOption, BackendOption, RuntimeOption, KeyOption, UserOption, JsonOption, MaxDepthOption,
        };
        command.SetAction((parse, _) => RunAsync(parse));
        return command;
    }

    private static async Task<int> RunAsync(ParseResult parse)
    {
        var console = new RunConsole(parse.GetValue(JsonOption));
        RunRequest request;
        try
        {
            request = RunRequest.From(parse);
            PhaseTimings.Mark("event-loaded");
        }
        catch (UsageException e)
        {
            console.Usage(e.Message);
            return ExitCodes.Usage;
        }
        catch (EventFileException e)
        {
            console.Usage(string.Join(Environment.NewLine, e.Problems.Select(p => $"{e.Path}: {p}")));
            return ExitCodes.Usage;
        }

        var code = await Cancellable.RunAsync(console.Failed, async cancel =>
        {
            await using var session = await RuntimeSession.OpenAsync(request.Runtime, cancel, request.Backend);
            var backend = session.Backend;
            PhaseTimings.Mark("backend-ready");
            console.Starting(request.Event, backend.Name);
            var steps = new StepRunner(new ExecutionRunner(session.Client, session.Endpoint, backend), new ToolActionRunner(session.Client));
            var result = await new ChainRunner(steps, session.Client).RunAsync(request.Chain, request.Options, console, cancel);
            console.Finished(result);
            PhaseTimings.Mark("finished");
            return ExitCode(result);
        });
        // After the session's disposal: the runtime stopped, its socket folder removed.
        PhaseTimings.Mark("runtime-stopped");
        return code;
    }

    /// <summary>The script's own code; 124 timed out, 130 cancelled; 1 when it succeeded but a follow-up failed unhandled.</summary>
    private static int ExitCode(ChainResult result) => result.Root.Status switch
    {
        StepStatus.TimedOut => ExitCodes.TimedOut,
        StepStatus.Cancelled => ExitCodes.Cancelled,
        _ when result.Status == StepStatus.Cancelled => ExitCodes.Cancelled,
        _ when result.Root.ExitCode == 0 && result.Status == StepStatus.Failed => 1,
        _ => result.Root.ExitCode ?? ExitCodes.RuntimeError,
    };
}

/// <summary>
/// Ctrl-C and SIGTERM cancel the work (a run completes its execution and removes its container before it exits),
/// and the errors that mean cronium itself could not do its part become exit code 125 with the reason.
/// </summary>
internal static class Cancellable
{
    public static async Task<int> RunAsync(Action<string> failed, Func<CancellationToken, Task<int>> work)
    {
        using var cancel = new CancellationTokenSource();
        using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, c => { c.Cancel = true; cancel.Cancel(); });
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, c => { c.Cancel = true; cancel.Cancel(); });
        try
        {
            return await work(cancel.Token);
        }
        catch (OperationCanceledException) when (cancel.IsCancellationRequested)
        {
            failed("cancelled before anything ran");
            return ExitCodes.Cancelled;
        }
        catch (Exception e) when (e is RuntimeApiException or HttpRequestException or Cronium.Execution.Backends.DockerEngineException or IOException or DirectoryNotFoundException
                                   or System.ComponentModel.Win32Exception or TimeoutException or PlatformNotSupportedException)
        {
            failed(e.Message);
            return ExitCodes.RuntimeError;
        }
    }
}
