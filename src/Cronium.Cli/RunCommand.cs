using System.CommandLine;
using System.Runtime.InteropServices;
using System.Text.Json;
using System.Text.Json.Nodes;
using Cronium.Execution;
using Cronium.Execution.Backends;
using Cronium.Execution.Events;
using Cronium.Execution.Runtime;

namespace Cronium.Cli;

/// <summary><c>cronium run FILE|EVENT.yaml</c>: one event, start to end, with its output live.</summary>
internal static class RunCommand
{
    internal static readonly Argument<string> FileArgument = new("file") { Description = "A script (.sh, .py, .js) or an event file (.yaml)." };
    internal static readonly Option<string?> LangOption = new("--lang") { Description = "bash, python or node (default: from the file's extension)." };
    internal static readonly Option<string?> InputOption = new("--input") { Description = "The execution's input: JSON, or @file.json." };
    internal static readonly Option<string[]> VarsOption = new("--var") { Description = "Seed a variable before the run: key=value (a string). Repeatable.", AllowMultipleArgumentsPerToken = false };
    internal static readonly Option<string[]> JsonVarsOption = new("--var-json") { Description = "Seed a variable with a JSON value: key=JSON. Repeatable." };
    internal static readonly Option<string?> TimeoutOption = new("--timeout") { Description = "Kill the script after this long: 30, 30s, 5m, 1h (default: the event's, else 5m)." };
    internal static readonly Option<string[]> EnvOption = new("--env") { Description = "Extra environment for the script: NAME=value. Repeatable." };
    internal static readonly Option<string> BackendOption = new("--backend") { Description = "process (default) or docker.", DefaultValueFactory = _ => "process" };
    internal static readonly Option<string?> RuntimeOption = new("--runtime") { Description = "Use a running runtime (http://host:port or unix:///path.sock) instead of the embedded one." };
    internal static readonly Option<string?> KeyOption = new("--orchestrator-key") { Description = "The orchestrator key for --runtime (or set CRONIUM_ORCHESTRATOR_KEY)." };
    internal static readonly Option<string> UserOption = new("--user") { Description = "The user the execution runs as (whose variables it sees).", DefaultValueFactory = _ => "local" };
    internal static readonly Option<bool> JsonOption = new("--json") { Description = "Print the result as JSON on stdout; the script's output goes to stderr." };

    public static Command Create()
    {
        var command = new Command("run", "Run one event and print its status, exit code, duration, output and condition.")
        {
            FileArgument, LangOption, InputOption, VarsOption, JsonVarsOption, TimeoutOption, EnvOption, BackendOption, RuntimeOption, KeyOption, UserOption, JsonOption,
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

        using var cancel = new CancellationTokenSource();
        using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, c => { c.Cancel = true; cancel.Cancel(); });
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, c => { c.Cancel = true; cancel.Cancel(); });

        EmbeddedRuntime? embedded = null;
        DockerBackend? docker = null;
        try
        {
            RuntimeClient client;
            RuntimeEndpoint endpoint;
            if (request.RuntimeUrl is null)
            {
                embedded = await EmbeddedRuntime.StartAsync(null, cancel.Token);
                client = embedded.Client;
                endpoint = new RuntimeEndpoint("unix://" + embedded.SocketPath, embedded.SocketPath);
            }
            else
            {
                client = new RuntimeClient(request.RuntimeUrl, request.OrchestratorKey!);
                endpoint = new RuntimeEndpoint(request.RuntimeUrl,
                    request.RuntimeUrl.StartsWith("unix://", StringComparison.Ordinal) ? request.RuntimeUrl["unix://".Length..] : null);
            }

            IExecutionBackend backend;
            if (request.Backend == "docker")
            {
                docker = new DockerBackend();
                await docker.RemoveLeftoversAsync(cancel.Token);
                backend = docker;
            }
            else
            {
                backend = new ProcessBackend(HelperPaths.Locate());
            }

            console.Starting(request.Event, backend.Name);
            var result = await new ExecutionRunner(client, endpoint, backend).RunAsync(request.Event, request.Options, console, cancel.Token);
            console.Finished(result);
            if (request.RuntimeUrl is not null) client.Dispose();
            return result.Status switch
            {
                "timed_out" => ExitCodes.TimedOut,
                "cancelled" => ExitCodes.Cancelled,
                _ => result.ExitCode ?? ExitCodes.RuntimeError,
            };
        }
        catch (OperationCanceledException) when (cancel.IsCancellationRequested)
        {
            console.Failed("cancelled before the script started");
            return ExitCodes.Cancelled;
        }
        catch (Exception e) when (e is RuntimeApiException or HttpRequestException or Docker.DotNet.DockerApiException or IOException or DirectoryNotFoundException or System.ComponentModel.Win32Exception or TimeoutException)
        {
            console.Failed(e.Message);
            return ExitCodes.RuntimeError;
        }
        finally
        {
            docker?.Dispose();
            if (embedded is not null) await embedded.DisposeAsync();
        }
    }
}
